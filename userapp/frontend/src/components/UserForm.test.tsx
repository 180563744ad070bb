import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "../api/client";
import { I18nProvider } from "../i18n-context";
import { UserForm, type UserFormValues } from "./UserForm";

const EMPTY: UserFormValues = { email: "", name: "", password: "", role: "user" };

/** A create form whose submit fails with `error` (or succeeds when it is null), recording what it got. */
function renderForm(error: unknown) {
  const submitted: UserFormValues[] = [];
  render(
    <I18nProvider initial="pt-BR">
      <UserForm
        mode="create"
        initial={EMPTY}
        roleEditable
        onSubmit={async (values) => {
          submitted.push(values);
          if (error !== null) throw error;
        }}
        onCancel={() => undefined}
      />
    </I18nProvider>,
  );
  return submitted;
}

async function fillAndSubmit() {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText("Nome"), "Ana");
  await user.type(screen.getByLabelText("E-mail"), "ana@example");
  await user.type(screen.getByLabelText("Senha"), "curta");
  await user.selectOptions(screen.getByLabelText("Perfil"), "admin");
  await user.click(screen.getByRole("button", { name: "Criar usuário" }));
}

function expectValuesKept() {
  expect(screen.getByLabelText("Nome")).toHaveValue("Ana");
  expect(screen.getByLabelText("E-mail")).toHaveValue("ana@example");
  expect(screen.getByLabelText("Senha")).toHaveValue("curta");
  expect(screen.getByLabelText("Perfil")).toHaveValue("admin");
}

describe("UserForm", () => {
  it("submits what was typed", async () => {
    const submitted = renderForm(null);
    await fillAndSubmit();
    expect(submitted).toEqual([{ name: "Ana", email: "ana@example", password: "curta", role: "admin" }]);
  });

  it("shows a 422's fields next to the fields, focuses the first, keeps the values", async () => {
    renderForm(
      new ApiError(422, "validation_error", "invalid request", {
        email: "The email address is not valid.",
        password: "String should have at least 8 characters",
        "body.extra": "Extra inputs are not permitted",
      }),
    );
    await fillAndSubmit();
    const password = screen.getByLabelText("Senha");
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveAccessibleDescription("Deve ter pelo menos 8 caracteres. De 8 a 128 caracteres.");
    expect(screen.getByLabelText("E-mail")).toHaveAccessibleDescription(
      "E-mail inválido (The email address is not valid.).",
    );
    expect(screen.getByLabelText("E-mail")).toHaveFocus();
    expect(screen.getByLabelText("Nome")).not.toHaveAttribute("aria-invalid");
    // A field the form does not have still gets said, in the banner.
    expect(screen.getByRole("alert")).toHaveTextContent("body.extra: Extra inputs are not permitted");
    expectValuesKept();
  });

  it("explains a 409 duplicate next to the email", async () => {
    renderForm(new ApiError(409, "duplicate_email", "a user with this email already exists"));
    await fillAndSubmit();
    expect(screen.getByLabelText("E-mail")).toHaveAccessibleDescription("Este e-mail já está cadastrado.");
    expect(screen.getByRole("alert")).toHaveTextContent("Já existe um usuário com este e-mail.");
    expectValuesKept();
  });

  it("shows network and server errors in a focused banner without losing the values", async () => {
    renderForm(new NetworkError(new TypeError("Failed to fetch")));
    await fillAndSubmit();
    expect(screen.getByRole("alert")).toHaveTextContent("Não foi possível falar com o servidor.");
    expect(screen.getByRole("alert")).toHaveFocus();
    expectValuesKept();
  });

  it("names the status of a 5xx", async () => {
    renderForm(new ApiError(503, "service_unavailable", "the database is unreachable"));
    await fillAndSubmit();
    expect(screen.getByRole("alert")).toHaveTextContent("O servidor está com problemas (erro 503)");
    expectValuesKept();
  });
});
