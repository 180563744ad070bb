import { PageHeading } from "../components/PageHeading";
import { UserForm, type UserFormValues } from "../components/UserForm";
import { useFlash } from "../flash";
import { useI18n } from "../i18n-context";
import { navigate } from "../router";
import { useSession } from "../session";

const EMPTY: UserFormValues = { email: "", name: "", password: "", role: "user" };

export function UserCreatePage() {
  const { t } = useI18n();
  const { api } = useSession();
  const flash = useFlash();

  async function create(values: UserFormValues) {
    const created = await api.createUser(values);
    flash.show(t("created", { email: created.email }));
    // Newest first, so the new account is on the first page.
    navigate("/users?sort=-id");
  }

  return (
    <section className="narrow">
      <PageHeading>{t("createTitle")}</PageHeading>
      <UserForm
        mode="create"
        initial={EMPTY}
        roleEditable
        onSubmit={create}
        onCancel={() => navigate("/users")}
      />
    </section>
  );
}
