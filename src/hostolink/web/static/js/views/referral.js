// Referral (parrainage): my code and link (copy, share), the current campaign's terms, my
// invitees and my bonuses; and the public invitation link's landing (/i/<code> opens
// #/invitation/<code>): the code is kept for the sign-up, which sends it with register-user.
import { api, formatDate, formatXof, h, navigate, route, session, toast } from '../core.js';

export const INVITATION_KEY = 'hostolink.invitation';

const BADGES = {
  inscrit: '',
  en_validation: 'warn',
  recompense: 'ok',
  non_eligible: 'error',
};

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copié dans le presse-papiers.');
  } catch {
    toast(`À copier : ${text}`);
  }
}

function shareBox(data) {
  const message = `Rejoignez-moi sur Hostolink avec mon code ${data.code} : ${data.lien}`;
  const buttons = [
    h('button', { type: 'button', class: 'btn btn-secondary', id: 'copier-code', onClick: () => copy(data.code) }, 'Copier le code'),
    h('button', { type: 'button', class: 'btn btn-secondary', id: 'copier-lien', onClick: () => copy(data.lien) }, 'Copier le lien'),
  ];
  if (navigator.share) {
    buttons.push(h('button', {
      type: 'button',
      class: 'btn btn-primary',
      id: 'partager',
      onClick: () => navigator.share({ title: 'Hostolink', text: message, url: data.lien }).catch(() => {}),
    }, 'Partager'));
  }
  return h('section', { class: 'card stack referral-code', 'aria-labelledby': 'mon-code' },
    h('h2', { id: 'mon-code', text: 'Mon code d\'invitation' }),
    h('p', { class: 'referral-code-value', id: 'code-parrainage', text: data.code }),
    h('p', { class: 'muted wrap-text' }, 'Mon lien : ', h('a', { href: data.lien, id: 'lien-parrainage', text: data.lien })),
    h('div', { class: 'row wrap' }, ...buttons));
}

function termsBox(campaign) {
  if (!campaign) {
    return h('p', { class: 'notice' }, 'Aucune campagne de parrainage en cours : vos invitations restent enregistrées.');
  }
  return h('section', { class: 'card stack', 'aria-labelledby': 'campagne' },
    h('h2', { id: 'campagne', text: campaign.nom }),
    h('p', { class: 'wrap-text', text: campaign.conditions }));
}

function inviteesList(invitees) {
  if (!invitees.length) return h('p', { class: 'empty card', text: 'Personne ne s\'est encore inscrit avec votre code.' });
  return h('ul', { class: 'list', 'aria-label': 'Mes filleuls', id: 'filleuls' }, invitees.map((invitee) => h('li', { class: 'list-item' },
    h('span', { class: 'grow' },
      h('span', { class: 'title', text: invitee.prenom }),
      h('span', { class: 'sub', text: `${invitee.telephone || ''} · inscrit le ${formatDate(invitee.date)}` })),
    h('span', { class: `badge ${BADGES[invitee.statut] || ''}`, text: invitee.statut_libelle }))));
}

function rewardsList(rewards) {
  if (!rewards.length) return h('p', { class: 'empty card', text: 'Aucun bonus pour le moment.' });
  return h('ul', { class: 'list', 'aria-label': 'Mes bonus', id: 'bonus' }, rewards.map((reward) => h('li', {},
    h('a', { class: 'list-item', href: `#/transactions/${encodeURIComponent(reward.reference)}` },
      h('span', { class: 'grow' },
        h('span', { class: 'title', text: reward.libelle }),
        h('span', { class: 'sub', text: `${reward.role === 'parrain' ? 'Comme parrain' : 'Comme filleul'} · ${formatDate(reward.date)}` })),
      h('span', { class: 'amount-in', text: `+${formatXof(reward.montant)}` })))));
}

route('/parrainage', async (params, mount) => {
  const { data } = await api('GET', '/api/parrainage');
  mount.append(
    h('div', { class: 'stack referral' },
      shareBox(data),
      termsBox(data.campagne),
      h('h2', { text: 'Mes filleuls' }),
      inviteesList(data.filleuls),
      h('h2', { text: `Mes bonus (${formatXof(data.total_recu)})` }),
      rewardsList(data.recompenses)),
  );
}, { title: 'Parrainage', tab: 'profil', back: '#/profil' });

// The invitation link's landing: keep the code for the sign-up.
route('/invitation/:code', (params, mount) => {
  const code = String(params.code || '').toUpperCase();
  if (session.isLoggedIn()) {
    toast('Vous avez déjà un compte : le code d\'invitation ne s\'applique qu\'à une inscription.');
    navigate('#/');
    return;
  }
  sessionStorage.setItem(INVITATION_KEY, code);
  mount.append(
    h('div', { class: 'welcome' },
      h('img', { src: '/app/icons/icon-192.png', alt: '', width: 84, height: 84 }),
      h('h2', { text: 'Vous êtes invité sur Hostolink' }),
      h('p', { class: 'muted', text: 'Payez, recevez et prenez soin de votre santé, partout en Côte d\'Ivoire.' })),
    h('div', { class: 'card stack' },
      h('p', {}, 'Code d\'invitation : ', h('strong', { id: 'code-invitation', text: code })),
      h('p', { class: 'muted', text: 'Il sera utilisé à votre inscription. Après votre premier dépôt, vous et la personne qui vous a invité pourrez recevoir un bonus, selon la campagne en cours.' }),
      h('a', { class: 'btn btn-primary btn-block', href: '#/connexion', id: 'creer-compte' }, 'Créer mon compte')),
  );
}, { auth: false, title: 'Invitation' });
