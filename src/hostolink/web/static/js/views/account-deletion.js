// Supprimer mon compte: the public page the app stores ask for (/suppression-compte, served
// by the server as this shell) and the screen reached from Profil. It explains what is
// deleted and what is kept, signs the person in (identifier + PIN, the public login API) when
// needed, shows why the deletion is refused (money held or owed, with what to do) or asks for
// the PIN and the word SUPPRIMER, then calls the same API as the Flutter app.
import { api, formError, h, navigate, route, session } from '../core.js';

const PATH = '/api/mon-compte/suppression';
const WORD = 'SUPPRIMER';

// The stores' link opens /suppression-compte: this screen of the app shell.
if (location.pathname === '/suppression-compte') {
  history.replaceState(null, '', '/#/suppression-compte');
}

function field({ id, label, hint, ...input }) {
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    h('input', { id, name: id, 'aria-describedby': hint ? `${id}-hint` : null, ...input }));
}

/** A form whose button is disabled while `action` runs; the API's French error shown in it. */
function form(children, action, submitLabel, buttonClass = 'btn-primary') {
  const submit = h('button', { class: `btn ${buttonClass} btn-block`, type: 'submit' }, submitLabel);
  const element = h('form', { class: 'stack', novalidate: true }, ...children, submit);
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError(element, null);
    submit.disabled = true;
    try {
      await action(new FormData(element), element);
    } catch (error) {
      formError(element, error);
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

function explanation() {
  return h('section', { class: 'card stack deletion-info', 'aria-labelledby': 'suppression-titre' },
    h('h2', { id: 'suppression-titre', text: 'Supprimer mon compte Hostolink' }),
    h('p', { text: 'Vous pouvez supprimer votre compte vous-même, ici ou dans l\'application (Profil › Supprimer mon compte). La suppression est définitive.' }),
    h('h3', { text: 'Ce qui est effacé tout de suite' }),
    h('ul', {},
      h('li', { text: 'Vos nom, prénom, téléphone, e-mail, pays, photo de profil et mot de passe.' }),
      h('li', { text: 'Vos publications et commentaires (retirés de la vue de tous), vos « j\'aime », vos images.' }),
      h('li', { text: 'Vos appareils, vos codes, vos contacts enregistrés et vos notifications ; toutes vos sessions sont fermées.' })),
    h('h3', { text: 'Ce qui est gardé, et pourquoi' }),
    h('ul', {},
      h('li', { text: 'L\'historique de vos transactions, sans votre nom : le grand livre de la monnaie électronique ne s\'efface jamais (votre portefeuille est fermé, pas détruit), et vos correspondants gardent la trace de ce qu\'ils vous ont envoyé. Vous y apparaissez comme « Compte supprimé ».' }),
      h('li', { text: 'Vos pièces d\'identité, s\'il y en a : la réglementation contre le blanchiment (UEMOA, BCEAO) impose de les conserver 10 ans après la fin de la relation ; elles sont ensuite effacées automatiquement.' }),
      h('li', { text: 'Vos messages dans les salons thématiques, pour que les conversations restent lisibles ; ils sont signés « Compte supprimé ».' })),
    h('p', { class: 'notice', text: 'La suppression est impossible tant que de l\'argent est détenu ou en route : retirez d\'abord votre solde (ou envoyez-le à un proche) et attendez la fin de vos dépôts et retraits.' }),
    h('p', { class: 'small muted', text: 'Loi n° 2013-450 relative à la protection des données à caractère personnel (ARTCI). Votre numéro pourra servir à créer un nouveau compte.' }));
}

function signIn(mount) {
  return h('section', { class: 'card stack', 'aria-labelledby': 'suppression-connexion' },
    h('h2', { id: 'suppression-connexion', text: 'Connectez-vous pour continuer' }),
    form([
      field({ id: 'identifier', label: 'Numéro de téléphone ou e-mail', type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true }),
      field({ id: 'password', label: 'PIN (mot de passe)', type: 'password', autocomplete: 'current-password', required: true }),
    ], async (data) => {
      const answer = await api('POST', '/api/auth/login', {
        body: { identifier: String(data.get('identifier') || '').trim(), password: String(data.get('password') || '') },
        auth: false,
      });
      if (!answer.token) {
        // Never verified: finish the sign-up first (the app's usual screens).
        navigate('#/code');
        return;
      }
      session.setTokens(answer.token, answer.refresh_token);
      await render(mount);
      // Signed in below the explanation: the answer (reasons or confirmation) comes into view.
      mount.querySelector('.deletion-action')?.scrollIntoView({ block: 'start' });
    }, 'Se connecter'));
}

function reasons(list) {
  return h('section', { class: 'card stack deletion-action', role: 'alert', 'aria-labelledby': 'suppression-refus' },
    h('h2', { id: 'suppression-refus', text: 'Votre compte ne peut pas être supprimé pour le moment' }),
    h('ul', { class: 'list deletion-reasons' },
      ...list.map((reason) => h('li', { class: 'list-item', dataset: { code: reason.code } },
        h('div', { class: 'grow stack' },
          h('strong', { text: reason.message }),
          h('span', { class: 'small muted', text: reason.que_faire }))))),
    h('div', { class: 'stack' },
      h('a', { class: 'btn btn-secondary btn-block', href: '#/retrait', text: 'Retirer mon solde' }),
      h('a', { class: 'btn btn-link', href: '#/', text: 'Retour à l\'accueil' })));
}

function confirmForm(mount) {
  return h('section', { class: 'card stack deletion-action', 'aria-labelledby': 'suppression-confirmer' },
    h('h2', { id: 'suppression-confirmer', text: 'Confirmer la suppression' }),
    h('p', { text: 'Rien n\'est détenu ni dû sur votre portefeuille : vous pouvez supprimer votre compte.' }),
    form([
      field({ id: 'pin', label: 'Votre PIN (mot de passe)', type: 'password', autocomplete: 'current-password', required: true }),
      field({ id: 'confirmation', label: `Écrivez ${WORD} pour confirmer`, hint: 'En majuscules. Cette action est définitive.', type: 'text', autocapitalize: 'characters', autocomplete: 'off', spellcheck: 'false', required: true }),
    ], async (data) => {
      let answer;
      try {
        answer = await api('POST', PATH, {
          body: { pin: String(data.get('pin') || ''), confirmation: String(data.get('confirmation') || '') },
        });
      } catch (error) {
        // Refused meanwhile (money arrived): show the reasons, as the check would.
        if (error.status === 409) {
          await render(mount);
          return;
        }
        throw error;
      }
      // Every token is now refused: forget them locally, without calling the server.
      localStorage.removeItem('hostolink.token');
      localStorage.removeItem('hostolink.refresh');
      session.user = null;
      mount.replaceChildren(
        h('section', { class: 'card stack deletion-done', role: 'status' },
          h('h2', { text: 'Compte supprimé' }),
          h('p', { text: answer.message }),
          h('a', { class: 'btn btn-secondary', href: '#/connexion', text: 'Retour à l\'accueil' })));
    }, 'Supprimer définitivement mon compte', 'btn-danger'));
}

async function render(mount) {
  const parts = [explanation()];
  if (!session.isLoggedIn()) {
    parts.push(signIn(mount));
  } else {
    const answer = await api('GET', PATH);
    parts.push(answer.data.possible ? confirmForm(mount) : reasons(answer.data.raisons));
  }
  mount.replaceChildren(h('div', { class: 'stack deletion' }, ...parts));
}

route('/suppression-compte', (params, mount) => render(mount), {
  auth: false,
  title: 'Supprimer mon compte',
  back: '#/profil',
});
