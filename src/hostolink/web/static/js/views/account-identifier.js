// Changer de numéro ou d'e-mail (from Profil), in two steps: the new identifier and the
// current PIN, then the 6-digit code sent to that new identifier.
import { api, formError, h, navigate, route, session, setTitle, toast } from '../core.js';

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute('aria-describedby', `${id}-aide`);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-aide` }, hint) : null,
    input);
}

/** A form whose button is disabled while `action` runs; API errors shown in the form. */
function form(title, children, action, submitLabel) {
  const submit = h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, submitLabel);
  const element = h('form', { class: 'card stack', novalidate: true, 'aria-label': title }, ...children, submit);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(element, null);
    submit.disabled = true;
    try {
      await action(element);
    } catch (failure) {
      formError(element, failure);
      element.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

function current(me) {
  return h('section', { class: 'card stack' },
    h('h2', {}, 'Identifiants actuels'),
    h('p', { class: 'small' }, 'Téléphone : ', h('strong', { class: 'current-phone' }, me.telephone || 'aucun')),
    h('p', { class: 'small' }, 'E-mail : ', h('strong', { class: 'current-email' }, me.email || 'aucun')));
}

function askStep(onSent) {
  const identifier = h('input', { name: 'nouvel_identifiant', required: true, maxlength: '320', autocomplete: 'off', inputmode: 'email' });
  const pin = h('input', { name: 'pin', type: 'password', required: true, maxlength: '128', autocomplete: 'current-password' });
  return form('Nouvel identifiant', [
    h('h2', {}, '1. Nouvel identifiant'),
    h('p', { class: 'small muted' }, 'Un numéro remplace votre numéro, une adresse e-mail remplace (ou ajoute) votre e-mail.'),
    field('identifiant-nouveau', 'Nouveau numéro ou e-mail', identifier, 'Par exemple 07 09 08 07 06 ou nom@exemple.com'),
    field('identifiant-pin', 'PIN (mot de passe) actuel', pin),
  ], async () => {
    const answer = await api('POST', '/api/mon-compte/identifiant', {
      body: { nouvel_identifiant: identifier.value.trim(), pin: pin.value },
    });
    pin.value = '';
    onSent(answer);
  }, 'Recevoir le code');
}

function codeStep(answer, onDone, onRestart) {
  const code = h('input', {
    name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: '6', class: 'code-input',
  });
  const restart = h('button', { type: 'button', class: 'btn-link' }, 'Changer de numéro ou d\'e-mail saisi');
  restart.addEventListener('click', onRestart);
  const element = form('Code de confirmation', [
    h('h2', {}, '2. Code de confirmation'),
    h('p', { class: 'notice', role: 'status' }, answer.message),
    field('identifiant-code', 'Code à 6 chiffres', code, `Envoyé à ${answer.data.destination}, valable ${Math.round(answer.data.expire_dans / 60)} minutes.`),
  ], async () => {
    const done = await api('POST', '/api/mon-compte/identifiant/confirmation', { body: { code: code.value.trim() } });
    onDone(done);
  }, 'Confirmer le changement');
  element.append(restart);
  return element;
}

async function renderIdentifier(params, mount) {
  setTitle('Changer de numéro ou d\'e-mail');
  const me = await session.me(true);
  const box = h('div', { class: 'stack' });

  function ask() {
    box.replaceChildren(askStep((answer) => {
      box.replaceChildren(codeStep(answer, async (done) => {
        toast(done.message);
        await session.me(true);
        navigate('#/profil');
      }, ask));
      box.querySelector('input').focus();
    }));
  }

  mount.replaceChildren(h('div', { class: 'stack account-identifier' },
    current(me),
    box,
    h('p', { class: 'small muted' }, 'Vos autres appareils seront déconnectés après le changement ; l\'ancien identifiant sera prévenu.')));
  ask();
}

route('/profil/identifiant', renderIdentifier, { title: 'Changer de numéro ou d\'e-mail', tab: 'profil', back: '#/profil' });
