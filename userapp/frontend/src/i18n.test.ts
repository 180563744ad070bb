import { describe, expect, it } from "vitest";
import { format, MESSAGES, translate, translateFieldMessage } from "./i18n";

describe("i18n", () => {
  it("has every message in both languages, none empty", () => {
    const keys = Object.keys(MESSAGES["pt-BR"]).sort();
    expect(Object.keys(MESSAGES.en).sort()).toEqual(keys);
    for (const messages of Object.values(MESSAGES)) {
      expect(Object.entries(messages).filter(([, text]) => text.trim() === "")).toEqual([]);
    }
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format("Página {page} de {pages}", { page: 2, pages: 5 })).toBe("Página 2 de 5");
    expect(format("Olá {name}")).toBe("Olá {name}");
    expect(translate("pt-BR", "signedInAs", { name: "Ana" })).toBe("Conectado como Ana");
  });

  it("translates the API's common field messages and keeps the others", () => {
    const pt = (field: string, message: string) => translateFieldMessage("pt-BR", field, message);
    expect(pt("password", "String should have at least 8 characters")).toBe(
      "Deve ter pelo menos 8 caracteres.",
    );
    expect(pt("password", "must be at least 8 characters")).toBe("Deve ter pelo menos 8 caracteres.");
    expect(pt("name", "String should have at least 1 character")).toBe("Campo obrigatório.");
    expect(pt("name", "must be at most 100 characters")).toBe("Deve ter no máximo 100 caracteres.");
    expect(pt("name", "must not be empty")).toBe("Campo obrigatório.");
    expect(pt("email", "The email address is not valid.")).toBe(
      "E-mail inválido (The email address is not valid.).",
    );
    expect(pt("role", "Input should be 'admin' or 'user'")).toBe("Escolha um perfil válido.");
    expect(pt("name", "must not contain control characters")).toBe("must not contain control characters");
    expect(translateFieldMessage("en", "password", "at least 8 characters")).toBe(
      "Must be at least 8 characters.",
    );
  });
});
