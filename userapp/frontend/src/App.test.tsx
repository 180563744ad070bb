import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { ApiClient } from "./api/client";
import { App } from "./App";
import { navigate } from "./router";
import { ADMIN, FakeBackend } from "./test/fakeBackend";

let backend: FakeBackend;

beforeEach(() => {
  backend = new FakeBackend();
});

function renderApp(path = "/users") {
  window.history.replaceState(null, "", path);
  return render(<App api={new ApiClient(backend.fetch)} />);
}

async function signIn(email = ADMIN.email, password = ADMIN.password) {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText("E-mail"), email);
  await user.type(screen.getByLabelText("Senha"), `${password}{Enter}`);
  return user;
}

describe("App", () => {
  it("shows the environment and the backend's build in the header, in Portuguese", async () => {
    renderApp();
    expect(await screen.findByTestId("environment")).toHaveTextContent("stg");
    expect(screen.getByTestId("commit")).toHaveTextContent(/^0123abcd$/);
    expect(document.documentElement.lang).toBe("pt-BR");
    expect(screen.getByRole("heading", { name: "Entrar" })).toBeInTheDocument();
  });

  it("signs in, lists, searches and pages through the users", async () => {
    for (let i = 1; i <= 11; i += 1) backend.add(`Pessoa ${i}`, `p${i}@example.com`);
    renderApp();
    const user = await signIn();
    expect(await screen.findByText("12 usuário(s) encontrado(s)")).toBeInTheDocument();
    expect(screen.getByText("Página 1 de 2")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Próxima" }));
    expect(await screen.findByText("Página 2 de 2")).toBeInTheDocument();
    expect(window.location.search).toBe("?page=2");
    await user.click(screen.getByRole("button", { name: /^Nome/ }));
    await waitFor(() => expect(window.location.search).toBe("?sort=name"));
    expect(screen.getByRole("columnheader", { name: /^Nome/ })).toHaveAttribute("aria-sort", "ascending");
    await user.type(screen.getByLabelText("Buscar por nome ou e-mail"), "pessoa 1{Enter}");
    expect(await screen.findByText("3 usuário(s) encontrado(s)")).toBeInTheDocument();
    expect(backend.calls.at(-1)?.path).toBe("/api/users?page=1&page_size=10&sort=name&q=pessoa+1");
  });

  it("fills the edit form on its first render and saves only the changes", async () => {
    const ana = backend.add("Ana", "ana@example.com");
    renderApp();
    const user = await signIn();
    // Record the name field's value the moment it enters the document.
    let first: string | null = null;
    const observer = new MutationObserver(() => {
      const input = document.getElementById("user-edit-name");
      if (input instanceof HTMLInputElement && first === null) first = input.value;
    });
    observer.observe(document.body, { childList: true, subtree: true });
    await user.click(await screen.findByRole("link", { name: "Editar Ana" }));
    const name = await screen.findByLabelText("Nome");
    observer.disconnect();
    expect(first).toBe("Ana");
    expect(name).toHaveValue("Ana");
    expect(screen.getByLabelText("E-mail")).toHaveValue("ana@example.com");
    await user.clear(name);
    await user.type(name, "Ana Lima");
    await user.click(screen.getByRole("button", { name: "Salvar" }));
    expect(await screen.findByText("Alterações de ana@example.com salvas.")).toBeInTheDocument();
    expect(backend.calls.find((call) => call.method === "PATCH")).toMatchObject({
      path: `/api/users/${ana.id}`,
      body: { name: "Ana Lima" },
    });
    expect(screen.getByRole("cell", { name: "Ana Lima" })).toBeInTheDocument();
  });

  it("deletes only after confirmation; Escape cancels", async () => {
    backend.add("Bia", "bia@example.com");
    renderApp();
    const user = await signIn();
    const remove = await screen.findByRole("button", { name: "Excluir Bia" });
    await user.click(remove);
    const dialog = screen.getByRole("alertdialog", { name: "Excluir usuário?" });
    expect(within(dialog).getByRole("button", { name: "Cancelar" })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Excluir definitivamente" })).toHaveFocus();
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Cancelar" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(remove).toHaveFocus();
    expect(backend.users).toHaveLength(2);

    await user.click(remove);
    await user.click(screen.getByRole("button", { name: "Excluir definitivamente" }));
    expect(await screen.findByText("Usuário bia@example.com excluído.")).toBeInTheDocument();
    expect(backend.users.map((u) => u.email)).toEqual([ADMIN.email]);
    // The message comes first; the list then reloads without Bia.
    await waitFor(() => expect(screen.queryByRole("cell", { name: "Bia" })).not.toBeInTheDocument());
  });

  it("gives a plain user neither create, delete nor statistics", async () => {
    backend.add("Caio", "caio@example.com", "caio-password");
    renderApp();
    await signIn("caio@example.com", "caio-password");
    expect(await screen.findByRole("link", { name: "Editar Caio" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Editar Administrator" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Novo usuário" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Estatísticas" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Excluir/ })).not.toBeInTheDocument();
    act(() => navigate("/stats"));
    expect(
      await screen.findByRole("heading", { name: "Você não tem permissão para isso." }),
    ).toBeInTheDocument();
  });

  it("shows the admin statistics", async () => {
    backend.add("Dani", "dani@example.com");
    renderApp("/stats");
    await signIn();
    expect(await screen.findByTestId("stats-total")).toHaveTextContent("2");
    expect(screen.getByRole("table", { name: "Cadastros por dia (últimos 14 dias)" })).toBeInTheDocument();
  });

  it("sends the user back to the login page when the token stops working", async () => {
    renderApp();
    await signIn();
    expect(await screen.findByText("1 usuário(s) encontrado(s)")).toBeInTheDocument();
    backend.users = backend.users.filter((u) => u.email !== ADMIN.email); // the account is gone
    act(() => navigate("/users?q=x"));
    expect(await screen.findByText("Sua sessão expirou. Entre de novo.")).toBeInTheDocument();
    expect(window.sessionStorage.getItem("userapp.token")).toBeNull();
  });

  it("keeps the session across a reload and switches to English", async () => {
    const first = renderApp();
    await signIn();
    expect(await screen.findByRole("heading", { name: "Usuários" })).toBeInTheDocument();
    first.unmount();
    renderApp();
    expect(await screen.findByRole("heading", { name: "Usuários" })).toBeInTheDocument();
    expect(backend.calls.filter((call) => call.path === "/api/auth/login")).toHaveLength(1);
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: "Switch to English" }));
    expect(screen.getByRole("heading", { name: "Users" })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe("en");
  });
});
