// Sécurité (from Profil): change my PIN or password while signed in. The current one is
// asked; the new one is a PIN of 4 to 6 digits or a password of 8 characters or more
// (the API says why a guessable PIN is refused); my other sessions are closed, this one goes on.
import { api, formError, h, route, setTitle } from '../core.js';

export const SECRET_HINT = 'PIN de 4 à 6 chiffres ou mot de passe de 8 caractères au moins.';

/** The shape of a new secret, checked before asking the API: a French sentence, or null. */
export function secretShapeError(value) {
  if (/^[0-9]+$/.test(value) && value.length < 8) {
    return value.length >= 4 && value.length <= 6
      ? null
      : `Un PIN comporte 4 à 6 chiffres (${value.length} saisis) ; un mot de passe, au moins 8 caractères.`;
  }
  return value.length >= 8 ? null : 'Le mot de passe doit contenir au moins 8 caractères, ou choisissez un PIN de 4 à 6 chiffres.';
}

function field(id, label, hint, attrs = {}) {
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { class: 'hint', id: `${id}-aide`, text: hint }) : null,
    h('input', {
      id, name: id, type: 'password', required: true, maxlength: 128,
      'aria-describedby': hint ? `${id}-aide` : null, ...attrs,
    }));
}

/** PIN pad by default (numeric keyboard on a phone); one tap for letters. */
function keyboardSwitch(form) {
  const button = h('button', { class: 'btn-link', type: 'button' }, 'Utiliser un mot de passe (lettres)');
  button.addEventListener('click', () => {
    const numeric = form.querySelector('[name="nouveau_mot_de_passe"]').inputMode === 'numeric';
    for (const input of form.querySelectorAll('[data-secret="nouveau"]')) {
      input.inputMode = numeric ? 'text' : 'numeric';
    }
    button.textContent = numeric ? 'Utiliser un PIN (chiffres)' : 'Utiliser un mot de passe (lettres)';
    form.querySelector('[name="nouveau_mot_de_passe"]').focus();
  });
  return button;
}

function changeForm() {
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Changer mon mot de passe');
  const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'securite-titre' },
    field('mot_de_passe_actuel', 'PIN ou mot de passe actuel', null, { autocomplete: 'current-password', inputmode: 'numeric' }),
    field('nouveau_mot_de_passe', 'Nouveau PIN ou mot de passe', SECRET_HINT,
      { autocomplete: 'new-password', inputmode: 'numeric', 'data-secret': 'nouveau' }),
    field('confirmation', 'Confirmez le nouveau', null,
      { autocomplete: 'new-password', inputmode: 'numeric', 'data-secret': 'nouveau' }),
  );
  form.append(keyboardSwitch(form), submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(form, null);
    const data = new FormData(form);
    const body = {
      mot_de_passe_actuel: String(data.get('mot_de_passe_actuel')),
      nouveau_mot_de_passe: String(data.get('nouveau_mot_de_passe')),
      confirmation: String(data.get('confirmation')),
    };
    const shape = secretShapeError(body.nouveau_mot_de_passe);
    if (shape) {
      formError(form, { message: shape, fields: [{ champ: 'nouveau_mot_de_passe' }] });
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    if (body.confirmation !== body.nouveau_mot_de_passe) {
      formError(form, { message: 'Les deux saisies du nouveau mot de passe ne correspondent pas.', fields: [{ champ: 'confirmation' }] });
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api('POST', '/api/mon-compte/mot-de-passe', { body });
      form.reset();
      form.replaceWith(done(answer)); // the screen says it: no toast repeating it
    } catch (failure) {
      formError(form, failure);
      form.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function done(answer) {
  return h('div', { class: 'stack', role: 'status' },
    h('p', { class: 'notice', text: answer.message }),
    h('p', { class: 'small muted', text: 'Utilisez désormais le nouveau pour vous connecter et confirmer vos paiements. Un SMS (ou un e-mail) vous a prévenu.' }),
    h('a', { class: 'btn btn-block', href: '#/profil' }, 'Retour au profil'));
}

function renderSecurity(params, mount) {
  setTitle('Sécurité');
  mount.replaceChildren(
    h('section', { class: 'card stack', 'aria-labelledby': 'securite-titre' },
      h('h2', { id: 'securite-titre' }, 'Changer mon mot de passe'),
      h('p', { class: 'small' },
        'Votre PIN (ou mot de passe) protège votre compte et confirme vos paiements. En le changeant, vos autres appareils sont déconnectés ; celui-ci reste connecté.'),
      changeForm()),
  );
  mount.querySelector('input').focus();
}

route('/profil/securite', renderSecurity, { title: 'Sécurité', tab: 'profil', back: '#/profil' });
