// The admin view: how many accounts, and sign-ups per day and per week (tables, with bars drawn in CSS).
import { useEffect, useState } from "react";
import type { Stats } from "../api/client";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../errors";
import { useI18n } from "../i18n-context";
import { useSession } from "../session";

const DAYS = 14;
const WEEKS = 8;

function CountTable({
  caption,
  heading,
  rows,
}: {
  caption: string;
  heading: string;
  rows: [string, number][];
}) {
  const { t } = useI18n();
  const max = Math.max(1, ...rows.map(([, count]) => count));
  return (
    <table className="counts">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{heading}</th>
          <th scope="col">{t("statsCount")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, count]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>
              <div className="bar-cell">
                <span className="bar" aria-hidden="true" style={{ width: `${(count / max) * 80}%` }} />
                <span>{count}</span>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function StatsPage() {
  const { t, lang } = useI18n();
  const { api } = useSession();
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    api.stats(DAYS, WEEKS).then(
      (answer) => current && setStats(answer),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [api]);

  // The API's dates are UTC calendar days: format them as such, not shifted to the local time zone.
  const day = new Intl.DateTimeFormat(lang, { day: "2-digit", month: "2-digit", timeZone: "UTC" });
  const formatDay = (iso: string) => day.format(new Date(`${iso}T00:00:00Z`));
  return (
    <section>
      <PageHeading>{t("statsTitle")}</PageHeading>
      {error !== null && (
        <p role="alert" className="banner banner-error">
          {describeError(t, error)}
        </p>
      )}
      {stats === null && error === null && <p>{t("loading")}</p>}
      {stats !== null && (
        <>
          <dl className="totals">
            <div>
              <dt>{t("statsTotal")}</dt>
              <dd data-testid="stats-total">{stats.total_users}</dd>
            </div>
            <div>
              <dt>{t("statsAdmins")}</dt>
              <dd>{stats.admins}</dd>
            </div>
            <div>
              <dt>{t("statsUsers")}</dt>
              <dd>{stats.users}</dd>
            </div>
          </dl>
          <div className="count-tables">
            <CountTable
              caption={t("statsPerDay", { days: DAYS })}
              heading={t("statsDate")}
              rows={stats.per_day.map((d) => [formatDay(d.date), d.count])}
            />
            <CountTable
              caption={t("statsPerWeek", { weeks: WEEKS })}
              heading={t("statsWeek")}
              rows={stats.per_week.map((w) => [formatDay(w.week_start), w.count])}
            />
          </div>
        </>
      )}
    </section>
  );
}
