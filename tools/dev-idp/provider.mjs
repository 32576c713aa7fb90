// Tribune's development OpenID Connect provider (panva's oidc-provider).
//
// For development and tests only: demo accounts with known passwords, keys in
// a local file, everything else in memory. Configured by environment:
//
//   DEV_IDP_ISSUER          issuer identifier (default http://127.0.0.1:8001)
//   DEV_IDP_PORT            port to listen on (default: the issuer's port)
//   DEV_IDP_HOST            address to listen on (default 127.0.0.1)
//   DEV_IDP_REDIRECT_BASES  comma-separated bases of the relying party, e.g.
//                           "http://127.0.0.1:8000,http://tribune.test"; a loopback
//                           base with port "*" ("http://127.0.0.1:*") accepts any port
//   DEV_IDP_DATA_DIR        where the signing and cookie keys are kept
//                           (default <repo>/var/dev-idp)
//   DEV_IDP_EXIT_WITH_STDIN "1": exit when standard input closes (the parent died)

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider, { errors } from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;

const issuer = (env.DEV_IDP_ISSUER || 'http://127.0.0.1:8001').replace(/\/+$/, '');
const port = Number(env.DEV_IDP_PORT || new URL(issuer).port || 80);
const host = env.DEV_IDP_HOST || '127.0.0.1';
const dataDir = resolve(env.DEV_IDP_DATA_DIR || join(here, '..', '..', 'var', 'dev-idp'));
const bases = (env.DEV_IDP_REDIRECT_BASES || 'http://127.0.0.1:8000')
  .split(',').map((base) => base.trim().replace(/\/+$/, '')).filter(Boolean);

const demo = JSON.parse(readFileSync(join(here, 'demo.json'), 'utf8'));
const accountsBySub = new Map(demo.accounts.map((a) => [a.sub, a]));
const accountsByUsername = new Map(demo.accounts.map((a) => [a.username, a]));
const clientsById = new Map(demo.clients.map((c) => [c.client_id, c]));

// ---------------------------------------------------------------- redirect URIs

const LOOPBACK_ANY_PORT = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\*$/;
const anyPortHosts = new Set();
const registeredBases = bases.map((base) => {
  const wildcard = LOOPBACK_ANY_PORT.exec(base);
  if (wildcard) {
    anyPortHosts.add(wildcard[1]);
    return `http://${wildcard[1]}`;
  }
  return base;
});

// "http://127.0.0.1:5173/auth/x" -> "http://127.0.0.1/auth/x" when that host accepts
// any port; compared as strings with the registered URIs, exactly as otherwise.
function withoutLoopbackPort(uri) {
  const match = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}(\/[^?#]*)?$/.exec(uri);
  if (!match || !anyPortHosts.has(match[1])) {
    return undefined;
  }
  return `http://${match[1]}${match[2] || ''}`;
}

// ---------------------------------------------------------------- keys

// Written once, then kept: a second process racing on the same folder reads the
// winner's file (link() fails when the target exists).
function keptJson(path, make) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') {
      throw err;
    }
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(make(), null, 2)}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, path);
  } catch (err) {
    if (err.code !== 'EEXIST') {
      throw err;
    }
  } finally {
    unlinkSync(temporary);
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint as the key id.
  const canonical = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  const kid = createHash('sha256').update(canonical).digest('base64url');
  return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
}

const jwks = keptJson(join(dataDir, 'jwks.json'), newSigningKey);
const cookieKeys = keptJson(
  join(dataDir, 'cookie-keys.json'),
  () => ({ keys: [randomBytes(32).toString('base64url')] }),
).keys;

// ---------------------------------------------------------------- pages

function escape(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
  body { font-family: system-ui, sans-serif; line-height: 1.5; color: #1a1a1a; background: #fff;
         margin: 0 auto; max-width: 34rem; padding: 1.5rem; }
  .en { color: #444; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { font: inherit; padding: .4rem; width: 100%; box-sizing: border-box;
          border: 1px solid #555; border-radius: 4px; }
  button { font: inherit; padding: .5rem 1rem; margin-top: 1rem; cursor: pointer; }
  .error { border-left: 4px solid #b00020; padding: .25rem 1rem; background: #fdecee; }
  .dev { margin-top: 2rem; font-size: .9rem; }
  table { border-collapse: collapse; } th, td { text-align: left; padding: .1rem .75rem .1rem 0; }
`;

function page(title, body, { status = 200 } = {}) {
  return {
    status,
    html: `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escape(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`,
  };
}

function send(ctx, { status, html }) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}

const KIND_WORDS = {
  citizen: { fr: 'citoyen', en: 'citizen', areaFr: 'l’espace citoyen', areaEn: 'the citizen area' },
  staff: { fr: 'du personnel', en: 'staff', areaFr: 'l’espace du personnel', areaEn: 'the staff area' },
};

function loginPage({
  uid, client, login = '', error, status = 200,
}) {
  const kind = KIND_WORDS[client.kind];
  const errorBlock = error ? `
<div class="error" id="login-error" role="alert">
<p>${escape(error.fr)}</p>
<p class="en" lang="en">${escape(error.en)}</p>
</div>` : '';
  const invalid = error ? ' aria-invalid="true" aria-describedby="login-error"' : '';
  const usable = demo.accounts.filter((a) => a.kind === client.kind).map((a) => `
<tr><td>${escape(a.username)}</td><td>${escape(a.name)}</td><td>${escape(a.roles.join(', ') || '—')}</td></tr>`).join('');
  return page(`${error ? 'Erreur — ' : ''}Connexion à ${client.client_name} — Sign in`, `
<h1>Connexion <span class="en" lang="en">/ Sign in</span></h1>
<p>Fournisseur d’identité de développement, pour ${escape(kind.areaFr)} de Tribune.</p>
<p class="en" lang="en">Development identity provider, for ${escape(kind.areaEn)} of Tribune.</p>
${errorBlock}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Nom d’utilisateur <span class="en" lang="en">/ Username</span></label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
  spellcheck="false" required value="${escape(login)}"${invalid}>
<label for="password">Mot de passe <span class="en" lang="en">/ Password</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}>
<button type="submit">Se connecter <span lang="en">/ Sign in</span></button>
</form>
<form method="post" action="/interaction/${escape(uid)}/abort">
<button type="submit">Annuler <span lang="en">/ Cancel</span></button>
</form>
<section class="dev" aria-labelledby="demo-accounts">
<h2 id="demo-accounts">Comptes de démonstration <span class="en" lang="en">/ Demo accounts</span></h2>
<p>Le mot de passe est le nom d’utilisateur. <span class="en" lang="en">The password is the username.</span></p>
<table>
<thead><tr><th scope="col">Utilisateur <span lang="en">/ User</span></th><th scope="col">Nom <span lang="en">/ Name</span></th><th scope="col">Rôles <span lang="en">/ Roles</span></th></tr></thead>
<tbody>${usable}</tbody>
</table>
</section>`, { status });
}

function wrongKind(account, client) {
  const theirs = KIND_WORDS[account.kind];
  const wanted = KIND_WORDS[client.kind];
  return {
    fr: `Le compte «\u00a0${account.username}\u00a0» est un compte ${theirs.fr}\u00a0: il ne peut pas se connecter à ${wanted.areaFr}. Connectez-vous avec un compte ${wanted.fr}.`,
    en: `The account “${account.username}” is a ${theirs.en} account: it cannot sign in to ${wanted.areaEn}. Sign in with a ${wanted.en} account.`,
  };
}

const WRONG_CREDENTIALS = {
  fr: 'Nom d’utilisateur ou mot de passe incorrect.',
  en: 'Wrong username or password.',
};

function messagePage(titleFr, titleEn, textFr, textEn, status = 200) {
  return page(`${titleFr} — ${titleEn}`, `
<h1>${escape(titleFr)} <span class="en" lang="en">/ ${escape(titleEn)}</span></h1>
<p>${escape(textFr)}</p>
<p class="en" lang="en">${escape(textEn)}</p>`, { status });
}

// ---------------------------------------------------------------- provider

const clients = demo.clients.map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  client_name: c.client_name,
  application_type: 'web',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  scope: c.scope,
  redirect_uris: registeredBases.map((base) => `${base}${c.callback_path}`),
  post_logout_redirect_uris: registeredBases.map((base) => `${base}/`),
}));

const configuration = {
  clients,
  jwks,
  cookies: {
    // Cookies are per host, not per port: these must not clash with the app's.
    names: {
      session: 'devidp_session',
      interaction: 'devidp_interaction',
      resume: 'devidp_interaction_resume',
    },
    keys: cookieKeys,
  },
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    roles: ['roles'],
  },
  scopes: ['openid', 'profile', 'email', 'roles'],
  // The claims of the granted scopes go into the ID token itself.
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true },
  // A nonce is required on every authorization request (the app must send one).
  extraParams: {
    nonce(ctx, value) {
      if (!value) {
        throw new errors.InvalidRequest('missing required parameter \'nonce\'');
      }
    },
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource(ctx, form) {
        const buttons = `
<button type="submit" name="logout" value="yes" autofocus>Me déconnecter <span lang="en">/ Sign me out</span></button>
<button type="submit">Rester connecté·e <span lang="en">/ Stay signed in</span></button>
`;
        send(ctx, page('Déconnexion — Sign out', `
<h1>Déconnexion <span class="en" lang="en">/ Sign out</span></h1>
<p>Voulez-vous vous déconnecter du fournisseur d’identité de développement ?</p>
<p class="en" lang="en">Do you want to sign out of the development identity provider?</p>
${form.replace('</form>', `${buttons}</form>`)}`));
      },
      postLogoutSuccessSource(ctx) {
        send(ctx, messagePage(
          'Déconnecté·e',
          'Signed out',
          'Vous êtes déconnecté·e du fournisseur d’identité de développement.',
          'You are signed out of the development identity provider.',
        ));
      },
    },
  },
  interactions: {
    url(ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
  async findAccount(ctx, sub) {
    const account = accountsBySub.get(sub);
    if (!account) {
      return undefined;
    }
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: account.name,
          preferred_username: account.username,
          email: account.email,
          email_verified: true,
          roles: account.roles,
        };
      },
    };
  },
  renderError(ctx, out) {
    send(ctx, {
      status: ctx.status,
      html: messagePage(
        'Erreur',
        'Error',
        `${out.error}${out.error_description ? ` : ${out.error_description}` : ''}`,
        `${out.error}${out.error_description ? `: ${out.error_description}` : ''}`,
        ctx.status,
      ).html,
    });
  },
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    Interaction: 60 * 60,
    Session: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
  },
};

const provider = new Provider(issuer, configuration);

// Loopback bases with port "*" accept any port (as RFC 8252 does for native apps);
// everything else is the library's exact comparison.
if (anyPortHosts.size) {
  const { prototype } = provider.Client;
  const exactRedirect = prototype.redirectUriAllowed;
  const exactPostLogout = prototype.postLogoutRedirectUriAllowed;
  prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    return exactRedirect.call(this, value)
      || this.redirectUris.includes(withoutLoopbackPort(value));
  };
  prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
    return exactPostLogout.call(this, value)
      || this.postLogoutRedirectUris.includes(withoutLoopbackPort(value));
  };
}

// ---------------------------------------------------------------- interactions

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) {
      throw new Error('form too large');
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function grantEverything(details) {
  const { prompt: { details: missing }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) {
    grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  }
  if (missing.missingOIDCClaims) {
    grant.addOIDCClaims(missing.missingOIDCClaims);
  }
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  return details.grantId ? {} : { grantId };
}

async function finish(ctx, result) {
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
}

const INTERACTION = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/;

provider.use(async (ctx, next) => {
  const match = INTERACTION.exec(ctx.path);
  if (!match) {
    return next();
  }
  const [, uid, action] = match;
  const allowed = action ? 'POST' : 'GET';
  if (ctx.method !== allowed) {
    ctx.set('Allow', allowed);
    ctx.status = 405;
    return undefined;
  }
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      send(ctx, messagePage(
        'Demande expirée',
        'Request expired',
        'Cette demande de connexion a expiré ou n’existe pas. Recommencez depuis Tribune.',
        'This sign-in request has expired or does not exist. Start again from Tribune.',
        400,
      ));
      return undefined;
    }
    throw err;
  }
  if (details.uid !== uid) {
    send(ctx, messagePage(
      'Demande expirée',
      'Request expired',
      'Cette demande de connexion ne correspond pas à celle en cours. Recommencez depuis Tribune.',
      'This sign-in request is not the current one. Start again from Tribune.',
      400,
    ));
    return undefined;
  }
  const client = clientsById.get(details.params.client_id);

  if (action === 'abort') {
    return finish(ctx, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
  }

  if (action === 'login') {
    const form = await readForm(ctx.req);
    const login = (form.get('login') || '').trim();
    const account = accountsByUsername.get(login);
    if (!account || form.get('password') !== account.password) {
      send(ctx, loginPage({
        uid, client, login, error: WRONG_CREDENTIALS, status: 422,
      }));
      return undefined;
    }
    if (account.kind !== client.kind) {
      send(ctx, loginPage({
        uid, client, login, error: wrongKind(account, client), status: 422,
      }));
      return undefined;
    }
    return finish(ctx, { login: { accountId: account.sub } });
  }

  // GET: the login form, or the consent this first-party provider gives by itself.
  if (details.prompt.name === 'consent') {
    const account = accountsBySub.get(details.session?.accountId);
    if (account && account.kind === client.kind) {
      return finish(ctx, { consent: await grantEverything(details) });
    }
    // Signed in here with an account of the other kind: ask for another one.
    send(ctx, loginPage({
      uid, client, error: account ? wrongKind(account, client) : undefined,
    }));
    return undefined;
  }
  send(ctx, loginPage({ uid, client }));
  return undefined;
});

// ---------------------------------------------------------------- start

const server = provider.listen(port, host, () => {
  console.log(`dev-idp: ${issuer} listening on ${host}:${port}; redirect bases: ${bases.join(', ')}`);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

if (env.DEV_IDP_EXIT_WITH_STDIN === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
