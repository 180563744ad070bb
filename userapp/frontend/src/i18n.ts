// Every text the user sees, in one place: Brazilian Portuguese by default, English as an option.

export type Lang = "pt-BR" | "en";

export const DEFAULT_LANG: Lang = "pt-BR";

const ptBR = {
  appTitle: "Usuários",
  skipToContent: "Pular para o conteúdo",
  mainNav: "Navegação principal",
  navUsers: "Usuários",
  navStats: "Estatísticas",
  logout: "Sair",
  switchLanguage: "English",
  switchLanguageLabel: "Switch to English",
  environment: "Ambiente",
  build: "Build",
  buildUnknown: "desconhecido",
  versionUnavailable: "versão indisponível",
  signedInAs: "Conectado como {name}",
  loading: "Carregando…",

  loginTitle: "Entrar",
  loginIntro: "Use seu e-mail e senha para gerenciar os usuários.",
  loginSubmit: "Entrar",
  loginSubmitting: "Entrando…",
  loginFailed: "E-mail ou senha incorretos.",
  sessionExpired: "Sua sessão expirou. Entre de novo.",

  email: "E-mail",
  name: "Nome",
  password: "Senha",
  newPassword: "Nova senha",
  newPasswordHint: "Deixe em branco para manter a senha atual.",
  passwordHint: "De 8 a 128 caracteres.",
  role: "Perfil",
  roleAdmin: "Administrador",
  roleUser: "Usuário",
  createdAt: "Criado em",
  actions: "Ações",
  id: "ID",

  usersTitle: "Usuários",
  usersCaption: "Usuários cadastrados, ordenados por {sort}",
  searchLabel: "Buscar por nome ou e-mail",
  searchSubmit: "Buscar",
  searchClear: "Limpar",
  newUser: "Novo usuário",
  edit: "Editar",
  editUserLabel: "Editar {name}",
  delete: "Excluir",
  deleteUserLabel: "Excluir {name}",
  noUsers: "Nenhum usuário encontrado.",
  totalUsers: "{count} usuário(s) encontrado(s)",
  pagination: "Paginação",
  previousPage: "Anterior",
  nextPage: "Próxima",
  pageOf: "Página {page} de {pages}",
  sortBy: "Ordenar por {column}",
  ascending: "crescente",
  descending: "decrescente",

  createTitle: "Novo usuário",
  editTitle: "Editar usuário",
  save: "Salvar",
  saving: "Salvando…",
  create: "Criar usuário",
  cancel: "Cancelar",
  created: "Usuário {email} criado.",
  saved: "Alterações de {email} salvas.",
  deleted: "Usuário {email} excluído.",
  fixFields: "Corrija os campos destacados.",
  duplicateEmail: "Já existe um usuário com este e-mail. Use outro endereço ou edite o usuário existente.",
  duplicateEmailField: "Este e-mail já está cadastrado.",
  dismiss: "Fechar aviso",
  formErrors: "Não foi possível salvar",
  roleLockedSelf: "Você não pode mudar o seu próprio perfil.",

  confirmDeleteTitle: "Excluir usuário?",
  confirmDeleteText: "{name} ({email}) será excluído definitivamente. Esta ação não pode ser desfeita.",
  confirmDelete: "Excluir definitivamente",
  deleting: "Excluindo…",

  statsTitle: "Estatísticas",
  statsTotal: "Total de usuários",
  statsAdmins: "Administradores",
  statsUsers: "Usuários comuns",
  statsPerDay: "Cadastros por dia (últimos {days} dias)",
  statsPerWeek: "Cadastros por semana (últimas {weeks} semanas)",
  statsDate: "Dia",
  statsWeek: "Semana de",
  statsCount: "Cadastros",

  errorNetwork:
    "Não foi possível falar com o servidor. Verifique sua conexão e tente de novo; o que você digitou foi mantido.",
  errorServer:
    "O servidor está com problemas (erro {status}). Tente de novo em instantes; o que você digitou foi mantido.",
  errorForbidden: "Você não tem permissão para isso.",
  errorNotFound: "Não encontrado: o usuário pode ter sido excluído.",
  errorGeneric: "Algo deu errado ({status}): {message}",
  retry: "Tentar de novo",
  notFoundTitle: "Página não encontrada",
  backToUsers: "Voltar para a lista de usuários",

  fieldRequired: "Campo obrigatório.",
  fieldMinLength: "Deve ter pelo menos {n} caracteres.",
  fieldMaxLength: "Deve ter no máximo {n} caracteres.",
  fieldInvalidEmail: "E-mail inválido ({detail}).",
  fieldInvalidRole: "Escolha um perfil válido.",
};

export type MessageKey = keyof typeof ptBR;
export type Messages = Record<MessageKey, string>;

const en: Messages = {
  appTitle: "Users",
  skipToContent: "Skip to content",
  mainNav: "Main navigation",
  navUsers: "Users",
  navStats: "Statistics",
  logout: "Sign out",
  switchLanguage: "Português",
  switchLanguageLabel: "Mudar para português",
  environment: "Environment",
  build: "Build",
  buildUnknown: "unknown",
  versionUnavailable: "version unavailable",
  signedInAs: "Signed in as {name}",
  loading: "Loading…",

  loginTitle: "Sign in",
  loginIntro: "Use your email and password to manage the users.",
  loginSubmit: "Sign in",
  loginSubmitting: "Signing in…",
  loginFailed: "Wrong email or password.",
  sessionExpired: "Your session expired. Please sign in again.",

  email: "Email",
  name: "Name",
  password: "Password",
  newPassword: "New password",
  newPasswordHint: "Leave empty to keep the current password.",
  passwordHint: "8 to 128 characters.",
  role: "Role",
  roleAdmin: "Administrator",
  roleUser: "User",
  createdAt: "Created",
  actions: "Actions",
  id: "ID",

  usersTitle: "Users",
  usersCaption: "Registered users, sorted by {sort}",
  searchLabel: "Search by name or email",
  searchSubmit: "Search",
  searchClear: "Clear",
  newUser: "New user",
  edit: "Edit",
  editUserLabel: "Edit {name}",
  delete: "Delete",
  deleteUserLabel: "Delete {name}",
  noUsers: "No users found.",
  totalUsers: "{count} user(s) found",
  pagination: "Pagination",
  previousPage: "Previous",
  nextPage: "Next",
  pageOf: "Page {page} of {pages}",
  sortBy: "Sort by {column}",
  ascending: "ascending",
  descending: "descending",

  createTitle: "New user",
  editTitle: "Edit user",
  save: "Save",
  saving: "Saving…",
  create: "Create user",
  cancel: "Cancel",
  created: "User {email} created.",
  saved: "Changes to {email} saved.",
  deleted: "User {email} deleted.",
  fixFields: "Please fix the highlighted fields.",
  duplicateEmail: "A user with this email already exists. Use another address or edit the existing user.",
  duplicateEmailField: "This email is already registered.",
  dismiss: "Dismiss",
  formErrors: "Could not save",
  roleLockedSelf: "You cannot change your own role.",

  confirmDeleteTitle: "Delete user?",
  confirmDeleteText: "{name} ({email}) will be deleted for good. This cannot be undone.",
  confirmDelete: "Delete for good",
  deleting: "Deleting…",

  statsTitle: "Statistics",
  statsTotal: "Total users",
  statsAdmins: "Administrators",
  statsUsers: "Regular users",
  statsPerDay: "Sign-ups per day (last {days} days)",
  statsPerWeek: "Sign-ups per week (last {weeks} weeks)",
  statsDate: "Day",
  statsWeek: "Week of",
  statsCount: "Sign-ups",

  errorNetwork: "Could not reach the server. Check your connection and try again; what you typed was kept.",
  errorServer: "The server has a problem (error {status}). Try again shortly; what you typed was kept.",
  errorForbidden: "You are not allowed to do that.",
  errorNotFound: "Not found: the user may have been deleted.",
  errorGeneric: "Something went wrong ({status}): {message}",
  retry: "Try again",
  notFoundTitle: "Page not found",
  backToUsers: "Back to the user list",

  fieldRequired: "Required.",
  fieldMinLength: "Must be at least {n} characters.",
  fieldMaxLength: "Must be at most {n} characters.",
  fieldInvalidEmail: "Invalid email ({detail}).",
  fieldInvalidRole: "Choose a valid role.",
};

export const MESSAGES: Record<Lang, Messages> = { "pt-BR": ptBR, en };

export type Vars = Record<string, string | number>;

/** Fills the {placeholders} of a message; a missing variable stays visible rather than vanishing. */
export function format(template: string, vars: Vars = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? String(vars[key]) : whole));
}

export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  return format(MESSAGES[lang][key], vars);
}

/**
 * The API explains field errors in English (its own rules and pydantic's). The common ones are shown in the
 * user's language; anything else is shown as the API wrote it, which beats hiding it.
 */
export function translateFieldMessage(lang: Lang, field: string, message: string): string {
  const min = /at least (\d+) characters?/i.exec(message);
  if (min?.[1] === "1") return translate(lang, "fieldRequired");
  if (min) return translate(lang, "fieldMinLength", { n: min[1] ?? "" });
  const max = /at most (\d+) characters?/i.exec(message);
  if (max) return translate(lang, "fieldMaxLength", { n: max[1] ?? "" });
  if (/must not be empty|field required|only whitespace/i.test(message))
    return translate(lang, "fieldRequired");
  if (field === "email") return translate(lang, "fieldInvalidEmail", { detail: message });
  if (field === "role") return translate(lang, "fieldInvalidRole");
  return message;
}
