// Onboarding, as the owner's app does it: phone number or e-mail → (new) password twice →
// 6-digit code → dashboard; returning people: password, lockout, forgotten password.
import { afterLogin, api, formError, h, navigate, route, session, toast } from '../core.js';

const IDENTIFIER_KEY = 'hostolink.identifier';
// The secret is a PIN (as the owner's Flutter app and mobile-money apps ask) or a password;
// the API refuses guessable PINs (0000, 1234, the number's own digits) and says why.
const SECRET_HINT = 'PIN de 4 à 6 chiffres ou mot de passe de 8 caractères au moins.';

function identifier() {
  return sessionStorage.getItem(IDENTIFIER_KEY) || '';
}

function field({ id, label, hint, ...input }) {
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    h('input', { id, name: id, 'aria-describedby': hint ? `${id}-hint` : null, ...input }));
}

/** A form whose submit button is disabled while `action` runs; errors shown in the form. */
function form(children, action, submitLabel) {
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, submitLabel);
  const element = h('form', { class: 'stack', novalidate: true }, ...children, submit);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(element, null);
    submit.disabled = true;
    try {
      await action(new FormData(element), element);
    } catch (error) {
      formError(element, error);
      element.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

function isDevelopmentHost() {
  const host = location.hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host.endsWith('.local');
}

function devHint() {
  if (!isDevelopmentHost()) return null;
  return h('p', { class: 'notice' },
    'Mode développement : le code est dans la boîte d\'envoi (',
    h('code', { text: 'python3 run.py outbox' }), ')');
}

function welcome(title, text) {
  return h('div', { class: 'welcome' },
    h('img', { src: '/app/icons/icon-192.png', alt: '', width: 84, height: 84 }),
    h('h2', { text: title }),
    text ? h('p', { class: 'muted', text }) : null);
}

function who() {
  const value = identifier();
  return h('p', { class: 'muted center' },
    'Compte : ', h('strong', { text: value }), ' · ',
    h('a', { href: '#/connexion', text: 'changer' }));
}

function needIdentifier() {
  if (identifier()) return false;
  navigate('#/connexion');
  return true;
}

function loggedIn(answer) {
  session.setTokens(answer.token, answer.refresh_token);
  toast('Bienvenue sur Hostolink !');
  afterLogin();
}

// -------------------------------------------------------------------- 1. who are you?

route('/connexion', (params, mount) => {
  if (session.isLoggedIn()) {
    navigate('#/');
    return;
  }
  mount.append(
    welcome('Bienvenue sur Hostolink', 'Payez, recevez et prenez soin de votre santé, partout en Côte d\'Ivoire.'),
    h('div', { class: 'card' }, form([
      field({
        id: 'identifier',
        label: 'Numéro de téléphone ou e-mail',
        hint: 'Par exemple 07 01 02 03 04 ou awa@exemple.ci',
        type: 'text',
        inputmode: 'email',
        autocomplete: 'username',
        autocapitalize: 'none',
        spellcheck: 'false',
        required: true,
        value: identifier(),
      }),
    ], async (data) => {
      const typed = String(data.get('identifier') || '').trim();
      const answer = await api('POST', '/api/check-user', { body: { identifier: typed }, auth: false });
      sessionStorage.setItem(IDENTIFIER_KEY, answer.identifier);
      if (answer.exists && answer.has_password) {
        navigate('#/connexion/mot-de-passe');
        return;
      }
      if (!answer.exists) {
        // A code kept by the invitation link (views/referral.js) goes with the registration.
        const invitation = sessionStorage.getItem('hostolink.invitation') || undefined;
        await api('POST', '/api/register-user', { body: { identifier: answer.identifier, code_invitation_utilise: invitation }, auth: false });
        sessionStorage.removeItem('hostolink.invitation');
      }
      navigate('#/inscription/mot-de-passe');
    }, 'Continuer')),
  );
  mount.querySelector('input').focus();
}, { auth: false, title: 'Connexion' });

// The password typed twice: both values, or null after showing the mismatch on the form.
function samePasswords(data, element) {
  const password = String(data.get('password'));
  const confirmPassword = String(data.get('confirmPassword'));
  if (password === confirmPassword) return { password, confirmPassword };
  formError(element, { message: 'Les deux mots de passe ne sont pas identiques.', fields: [{ champ: 'confirmPassword' }] });
  return null;
}

// ------------------------------------------------------------ 2a. new: choose a password

route('/inscription/mot-de-passe', (params, mount) => {
  if (needIdentifier()) return;
  mount.append(
    welcome('Créez votre mot de passe', 'Il protège votre compte et confirme vos paiements.'),
    h('div', { class: 'card stack' }, who(), form([
      field({ id: 'password', label: 'Mot de passe', hint: SECRET_HINT, type: 'password', autocomplete: 'new-password', required: true, minlength: 4, maxlength: 128 }),
      field({ id: 'confirmPassword', label: 'Confirmez le mot de passe', type: 'password', autocomplete: 'new-password', required: true }),
    ], async (data, element) => {
      const passwords = samePasswords(data, element);
      if (!passwords) return;
      const { password, confirmPassword } = passwords;
      const answer = await api('POST', '/api/define-password', {
        body: { identifier: identifier(), password, confirmPassword },
        auth: false,
      });
      toast(answer.message);
      navigate('#/code');
    }, 'Recevoir mon code')),
  );
  mount.querySelector('input').focus();
}, { auth: false, title: 'Inscription' });

// ------------------------------------------------------------------- 3. the 6-digit code

function codeField() {
  return field({
    id: 'otpCode',
    label: 'Code à 6 chiffres',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
    required: true,
    class: 'code-input',
  });
}

route('/code', (params, mount) => {
  if (needIdentifier()) return;
  const resend = h('button', { class: 'btn-link', type: 'button' }, 'Renvoyer le code');
  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      const answer = await api('POST', '/api/generate-otp', { body: { identifier: identifier() }, auth: false });
      toast(answer.message);
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      resend.disabled = false;
    }
  });
  mount.append(
    welcome('Entrez votre code', `Nous venons d'envoyer un code à 6 chiffres à ${identifier()}.`),
    h('div', { class: 'card stack' },
      devHint(),
      form([codeField()], async (data) => {
        const answer = await api('POST', '/api/verify-otp', {
          body: { identifier: identifier(), otpCode: String(data.get('otpCode')).trim() },
          auth: false,
        });
        loggedIn(answer);
      }, 'Valider'),
      h('div', { class: 'row between' }, resend, h('a', { href: '#/connexion', text: 'Changer d\'identifiant' }))),
  );
  mount.querySelector('input').focus();
}, { auth: false, title: 'Vérification' });

// --------------------------------------------------------------- 2b. returning: password

route('/connexion/mot-de-passe', (params, mount) => {
  if (needIdentifier()) return;
  const forgot = h('button', { class: 'btn-link', type: 'button' }, 'Mot de passe oublié ?');
  forgot.addEventListener('click', async () => {
    forgot.disabled = true;
    try {
      const answer = await api('POST', '/api/auth/forgot-password', { body: { identifier: identifier() }, auth: false });
      toast(answer.message);
      navigate('#/mot-de-passe-oublie');
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      forgot.disabled = false;
    }
  });
  mount.append(
    welcome('Bon retour !', null),
    h('div', { class: 'card stack' }, who(), form([
      field({ id: 'password', label: 'Mot de passe', type: 'password', autocomplete: 'current-password', required: true }),
    ], async (data) => {
      const answer = await api('POST', '/api/auth/login', {
        body: { identifier: identifier(), password: String(data.get('password')) },
        auth: false,
      });
      if (!answer.compte_verifier || !answer.token) {
        // Account never verified: the server has just sent a code.
        toast(answer.message);
        navigate('#/code');
        return;
      }
      loggedIn(answer);
    }, 'Se connecter'), forgot),
  );
  mount.querySelector('input[type="password"]').focus();
}, { auth: false, title: 'Connexion' });

// ------------------------------------------------------------------ forgotten password

route('/mot-de-passe-oublie', (params, mount) => {
  if (needIdentifier()) return;
  mount.append(
    welcome('Nouveau mot de passe', `Entrez le code reçu par ${identifier()} et choisissez un nouveau mot de passe.`),
    h('div', { class: 'card stack' },
      devHint(),
      form([
        codeField(),
        field({ id: 'password', label: 'Nouveau mot de passe', hint: SECRET_HINT, type: 'password', autocomplete: 'new-password', required: true, minlength: 4, maxlength: 128 }),
        field({ id: 'confirmPassword', label: 'Confirmez le nouveau mot de passe', type: 'password', autocomplete: 'new-password', required: true }),
      ], async (data, element) => {
        const passwords = samePasswords(data, element);
        if (!passwords) return;
        const { password, confirmPassword } = passwords;
        const answer = await api('POST', '/api/auth/reset-password', {
          body: { identifier: identifier(), otpCode: String(data.get('otpCode')).trim(), password, confirmPassword },
          auth: false,
        });
        toast(answer.message);
        navigate('#/connexion/mot-de-passe');
      }, 'Changer mon mot de passe'),
      h('a', { href: '#/connexion/mot-de-passe', text: 'Retour à la connexion' })),
  );
  mount.querySelector('input').focus();
}, { auth: false, title: 'Mot de passe oublié' });
