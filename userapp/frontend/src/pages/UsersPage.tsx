// The user list. Page, search and order live in the URL (/users?page=2&q=ana&sort=-name), so reload, back and
// a shared link all show the same list.
import { useEffect, useState, type FormEvent } from "react";
import { SORT_COLUMNS, type SortColumn, type SortKey, type User, type UserPage } from "../api/client";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../errors";
import { useFlash } from "../flash";
import type { MessageKey } from "../i18n";
import { useI18n } from "../i18n-context";
import { Link, navigate, useLocation } from "../router";
import { useSession } from "../session";

export const PAGE_SIZE = 10;

const COLUMN_LABELS: Record<SortColumn, MessageKey> = {
  id: "id",
  name: "name",
  email: "email",
  created_at: "createdAt",
};

export interface ListState {
  page: number;
  q: string;
  sort: SortKey;
}

/** Reads the list's state from the query string; anything malformed falls back to the default. */
export function parseListState(params: URLSearchParams): ListState {
  const page = Number(params.get("page") ?? "1");
  const sort = params.get("sort") ?? "id";
  const column = sort.replace(/^-/, "");
  return {
    page: Number.isInteger(page) && page >= 1 ? page : 1,
    q: params.get("q") ?? "",
    sort: (SORT_COLUMNS as readonly string[]).includes(column) ? (sort as SortKey) : "id",
  };
}

export function listUrl(state: ListState): string {
  const params = new URLSearchParams();
  if (state.page > 1) params.set("page", String(state.page));
  if (state.q) params.set("q", state.q);
  if (state.sort !== "id") params.set("sort", state.sort);
  const query = params.toString();
  return query ? `/users?${query}` : "/users";
}

/** Clicking a column sorts by it ascending; clicking it again flips the direction. */
export function nextSort(current: SortKey, column: SortColumn): SortKey {
  return current === column ? `-${column}` : column;
}

function SortHeader({ column, state }: { column: SortColumn; state: ListState }) {
  const { t } = useI18n();
  const active = state.sort.replace(/^-/, "") === column;
  const descending = state.sort.startsWith("-");
  const ariaSort = active ? (descending ? "descending" : "ascending") : undefined;
  const label = t(COLUMN_LABELS[column]);
  return (
    <th scope="col" aria-sort={ariaSort}>
      <button
        type="button"
        className="sort-button"
        onClick={() => navigate(listUrl({ ...state, page: 1, sort: nextSort(state.sort, column) }))}
      >
        {label}
        <span aria-hidden="true">{active ? (descending ? " ▼" : " ▲") : ""}</span>
        <span className="visually-hidden">
          {" "}
          ({t("sortBy", { column: label })}
          {active ? `, ${t(descending ? "descending" : "ascending")}` : ""})
        </span>
      </button>
    </th>
  );
}

function SearchForm({ state }: { state: ListState }) {
  const { t } = useI18n();
  const [q, setQ] = useState(state.q);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    navigate(listUrl({ ...state, page: 1, q: q.trim() }));
  }
  return (
    <form role="search" onSubmit={submit} className="search">
      <label htmlFor="user-search">{t("searchLabel")}</label>
      <div className="search-row">
        <input id="user-search" type="search" value={q} onChange={(event) => setQ(event.target.value)} />
        <button type="submit" className="button">
          {t("searchSubmit")}
        </button>
        {state.q && (
          <button
            type="button"
            className="button"
            onClick={() => {
              setQ("");
              navigate(listUrl({ ...state, page: 1, q: "" }));
            }}
          >
            {t("searchClear")}
          </button>
        )}
      </div>
    </form>
  );
}

export function UsersPage() {
  const { t, lang } = useI18n();
  const { api, user: me } = useSession();
  const flash = useFlash();
  const { params } = useLocation();
  const state = parseListState(params);
  const [data, setData] = useState<UserPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const isAdmin = me?.role === "admin";

  const { page, q, sort } = state;
  useEffect(() => {
    let current = true;
    api.listUsers({ page, pageSize: PAGE_SIZE, q, sort }).then(
      (answer) => {
        if (!current) return;
        setData(answer);
        setError(null);
        // Past the last page (after a delete, or an old link): go to the last one that exists.
        if (answer.pages > 0 && page > answer.pages) {
          navigate(listUrl({ page: answer.pages, q, sort }), { replace: true });
        }
      },
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [api, page, q, sort, reload]);

  async function confirmDelete() {
    if (deleting === null) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteUser(deleting.id);
      flash.show(t("deleted", { email: deleting.email }));
      setDeleting(null);
      setReload((n) => n + 1);
    } catch (failure) {
      setDeleteError(describeError(t, failure));
    } finally {
      setDeleteBusy(false);
    }
  }

  const here = listUrl(state);
  const dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "short", timeStyle: "short" });
  return (
    <section>
      <div className="page-title">
        <PageHeading>{t("usersTitle")}</PageHeading>
        {isAdmin && (
          <Link to="/users/new" className="button button-primary">
            {t("newUser")}
          </Link>
        )}
      </div>
      <SearchForm key={q} state={state} />
      {error !== null && (
        <div role="alert" className="banner banner-error">
          <p>{describeError(t, error)}</p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            {t("retry")}
          </button>
        </div>
      )}
      {data === null && error === null && <p>{t("loading")}</p>}
      {data !== null && (
        <>
          <p role="status">{t("totalUsers", { count: data.total })}</p>
          {data.items.length === 0 ? (
            <p>{t("noUsers")}</p>
          ) : (
            <div className="table-wrap">
              <table className="users">
                <caption className="visually-hidden">
                  {t("usersCaption", { sort: t(COLUMN_LABELS[sort.replace(/^-/, "") as SortColumn]) })}
                </caption>
                <thead>
                  <tr>
                    <SortHeader column="id" state={state} />
                    <SortHeader column="name" state={state} />
                    <SortHeader column="email" state={state} />
                    <th scope="col" className="no-sort">
                      {t("role")}
                    </th>
                    <SortHeader column="created_at" state={state} />
                    <th scope="col" className="no-sort">
                      {t("actions")}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((user) => (
                    <tr key={user.id}>
                      <td data-label={t("id")}>{user.id}</td>
                      <td data-label={t("name")}>{user.name}</td>
                      <td data-label={t("email")} className="email">
                        {user.email}
                      </td>
                      <td data-label={t("role")}>{t(user.role === "admin" ? "roleAdmin" : "roleUser")}</td>
                      <td data-label={t("createdAt")}>{dateFormat.format(new Date(user.created_at))}</td>
                      <td data-label={t("actions")}>
                        <div className="row-actions">
                          {(isAdmin || me?.id === user.id) && (
                            <Link
                              to={`/users/${user.id}/edit?back=${encodeURIComponent(here)}`}
                              className="button button-small"
                              aria-label={t("editUserLabel", { name: user.name })}
                            >
                              {t("edit")}
                            </Link>
                          )}
                          {isAdmin && me?.id !== user.id && (
                            <button
                              type="button"
                              className="button button-small button-danger"
                              aria-label={t("deleteUserLabel", { name: user.name })}
                              onClick={() => {
                                setDeleteError(null);
                                setDeleting(user);
                              }}
                            >
                              {t("delete")}
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.pages > 1 && (
            <nav aria-label={t("pagination")} className="pagination">
              <button
                type="button"
                className="button"
                disabled={page <= 1}
                onClick={() => navigate(listUrl({ ...state, page: page - 1 }))}
              >
                {t("previousPage")}
              </button>
              <span>{t("pageOf", { page, pages: data.pages })}</span>
              <button
                type="button"
                className="button"
                disabled={page >= data.pages}
                onClick={() => navigate(listUrl({ ...state, page: page + 1 }))}
              >
                {t("nextPage")}
              </button>
            </nav>
          )}
        </>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title={t("confirmDeleteTitle")}
          text={t("confirmDeleteText", { name: deleting.name, email: deleting.email })}
          confirmLabel={deleteBusy ? t("deleting") : t("confirmDelete")}
          cancelLabel={t("cancel")}
          busy={deleteBusy}
          error={deleteError}
          onConfirm={confirmDelete}
          onCancel={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
