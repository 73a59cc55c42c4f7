// Deposits and withdrawals (mobile money, Wave, Djamo, bank): choose the provider, the amount
// and the number; a deposit is confirmed on the provider's page; the status is followed
// until it is settled.
import { api, formatDate, formatXof, formError, h, navigate, onLeave, route, session, toast } from '../core.js';
import { amountField, field, idempotencyKey, onSubmit, pinField, readAmount } from './wallet.js';

// The owner's order; the sandbox (our simulated operator, off in production) comes last.
const ORDER = ['orange_money', 'mtn_momo', 'moov_money', 'wave', 'banque', 'djamo', 'sandbox'];
const STATUS = {
  initiee: ['Initiée', 'warn'],
  en_attente: ['En attente de confirmation', 'warn'],
  a_verifier: ['En vérification', 'warn'],
  reussie: ['Réussie', 'ok'],
  echouee: ['Échouée', 'error'],
  expiree: ['Expirée', 'error'],
};
const SETTLED = new Set(['reussie', 'echouee', 'expiree']);
const POLL_MS = 1500;
// Past the horizon a person decides: no need to ask every second and a half.
const SLOW_POLL_MS = 15000;
const HELD_TEXT = 'En vérification par notre équipe, votre argent est bloqué, pas perdu.';


function moneyForm(direction, mount) {
  const deposit = direction === 'depot';
  const state = { rail: null };
  const grid = h('div', { class: 'providers', role: 'group', 'aria-label': 'Moyen de paiement' }, h('p', { class: 'loading', text: 'Chargement…' }));
  const chosenHint = h('p', { class: 'hint', id: 'numero-hint' });
  const number = h('div', { class: 'field' },
    h('label', { for: 'numero', text: 'Numéro mobile money' }),
    chosenHint,
    h('input', { id: 'numero', name: 'numero', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true, 'aria-describedby': 'numero-hint' }));
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': deposit ? 'Déposer de l\'argent' : 'Retirer de l\'argent' },
    h('h2', { text: deposit ? 'Alimenter mon portefeuille' : 'Retirer vers mobile money' }),
    grid, amountField(), number,
    deposit ? null : pinField(),
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, deposit ? 'Déposer' : 'Retirer'));

  const select = (rail, button) => {
    state.rail = rail;
    for (const other of grid.querySelectorAll('button')) other.setAttribute('aria-pressed', String(other === button));
    chosenHint.textContent = rail.prefixes.length
      ? `Un numéro ${rail.nom} (${rail.prefixes.join(', ')}…).`
      : `Le numéro lié à votre compte ${rail.nom}.`;
  };

  onSubmit(form, async (data) => {
    if (!state.rail) throw new Error('Choisissez un moyen de paiement.');
    const body = {
      fournisseur: state.rail.code,
      montant: readAmount(data.get('montant')),
      numero: String(data.get('numero') || '').trim(),
    };
    if (!deposit) body.pin = String(data.get('pin') || '');
    const answer = await api('POST', deposit ? '/api/depots' : '/api/retraits', {
      body, headers: { 'Idempotency-Key': idempotencyKey() },
    });
    toast(answer.message);
    navigate(`#/operations/${encodeURIComponent(answer.data.reference)}`);
  });

  mount.append(form, h('p', { class: 'center' }, h('a', { href: '#/operations', text: 'Mes dépôts et retraits' })));

  return Promise.all([api('GET', '/api/fournisseurs', { auth: false }), session.me().catch(() => null)]).then(([rails, me]) => {
    if (me?.telephone) form.querySelector('#numero').value = me.telephone;
    const sorted = [...rails.data].sort((a, b) => rank(a.code) - rank(b.code));
    const buttons = sorted.map((rail) => {
      const way = deposit ? rail.depot : rail.retrait;
      const button = h('button', {
        class: 'provider', type: 'button', 'aria-pressed': 'false', disabled: !way.disponible,
        dataset: { code: rail.code },
      }, h('span', { class: 'name', text: rail.nom }),
      way.disponible ? null : h('span', { class: 'why', text: 'Indisponible' }));
      button.addEventListener('click', () => select(rail, button));
      return { rail, way, button };
    });
    grid.replaceChildren(...buttons.map((item) => item.button));
    const closed = buttons.filter((item) => !item.way.disponible);
    if (closed.length) {
      grid.after(h('details', { class: 'small muted' },
        h('summary', { text: 'Pourquoi certains moyens sont indisponibles ?' }),
        h('ul', {}, closed.map((item) => h('li', {}, h('strong', { text: `${item.rail.nom} : ` }), item.way.raison || 'Indisponible pour le moment.')))));
    }
    const first = buttons.find((item) => item.way.disponible);
    if (first) select(first.rail, first.button);
    else formError(form, { message: 'Aucun moyen de paiement n\'est disponible pour le moment.' });
  });
}

function rank(code) {
  const index = ORDER.indexOf(code);
  return index === -1 ? ORDER.length - 1 : index;
}

route('/depot', (params, mount) => moneyForm('depot', mount), { title: 'Déposer', tab: 'accueil', back: '#/' });
route('/retrait', (params, mount) => moneyForm('retrait', mount), { title: 'Retirer', tab: 'accueil', back: '#/' });

// ------------------------------------------------------------------------ follow one

function statusBadge(status, id = null) {
  const [label, kind] = STATUS[status] || [status, ''];
  return h('span', { class: `badge ${kind}`, id, text: label });
}

route('/operations/:reference', async ({ reference }, mount) => {
  let timer = null;
  let left = false;
  onLeave(() => { left = true; clearTimeout(timer); });
  const live = h('div', { 'aria-live': 'polite' });
  mount.append(live);
  // A deposit whose operator sent the payer a code by SMS (Moov Money through Hub2…): the
  // form is built once and kept across the status redraws, so a code being typed and the
  // operator's refusal stay on screen.
  const code = codeStep(reference, (operation) => draw(operation));

  const draw = (operation) => {
    const deposit = operation.sens === 'depot';
    const settled = SETTLED.has(operation.statut);
    const pay = deposit && !settled && operation.url_paiement
      ? h('a', { class: 'btn btn-primary btn-block', id: 'payer-operateur', href: operation.url_paiement, target: '_blank', rel: 'noopener' },
        `Confirmer le paiement chez ${operation.nom_fournisseur}`)
      : null;
    const typed = deposit && !settled && !operation.url_paiement ? code.form(operation) : null;
    const outcome = {
      reussie: deposit ? `Votre portefeuille est crédité de ${formatXof(operation.montant)}.` : `${formatXof(operation.montant)} envoyés vers ${operation.numero}.`,
      echouee: `L'opération a échoué${operation.motif_echec ? ` : ${operation.motif_echec}` : '.'}${deposit ? '' : ' Votre argent vous a été rendu.'}`,
      expiree: 'Le paiement n\'a pas été confirmé à temps.',
      a_verifier: deposit ? 'En vérification par notre équipe : votre portefeuille sera crédité dès que l\'opérateur aura confirmé le paiement. Aucun argent n\'a quitté votre portefeuille.' : HELD_TEXT,
    }[operation.statut];
    // A withdrawal's money left the balance at once and waits on a hold until the operator's
    // definitive answer: say so, with the amount, as long as it is not settled.
    const held = !deposit && !settled
      ? h('p', { class: 'held-note', id: 'montant-bloque-operation' },
        h('strong', { text: `Montant bloqué : ${formatXof(operation.montant_total)}` }),
        operation.statut === 'a_verifier' ? null : ' — rendu si le retrait échoue, jamais perdu.')
      : null;
    live.replaceChildren(...[
      h('section', { class: 'card stack center' },
        h('p', { class: 'muted', text: `${deposit ? 'Dépôt' : 'Retrait'} · ${operation.nom_fournisseur}` }),
        h('p', { class: 'big-amount', text: formatXof(operation.montant) }),
        h('p', {}, statusBadge(operation.statut, 'statut')),
        outcome ? h('p', { text: outcome }) : h('p', { class: 'muted', text: deposit ? (typed ? 'Validez le paiement avec le code que l\'opérateur vous a envoyé ; cette page se met à jour toute seule.' : 'Confirmez le paiement chez l\'opérateur ; cette page se met à jour toute seule.') : 'L\'opérateur traite le retrait ; cette page se met à jour toute seule.' }),
        held, pay, typed),
      h('section', { class: 'card receipt' },
        h('dl', {},
          h('dt', { text: 'Numéro' }), h('dd', { text: operation.numero }),
          h('dt', { text: 'Frais' }), h('dd', { text: formatXof(operation.frais) }),
          h('dt', { text: deposit ? 'Total payé' : 'Total débité' }), h('dd', { text: formatXof(operation.montant_total) }),
          h('dt', { text: 'Créée le' }), h('dd', { text: formatDate(operation.date_creation) }),
          h('dt', { text: 'Référence' }), h('dd', { text: operation.reference }))),
      h('h2', { class: 'section-title', text: 'Historique' }),
      h('ol', { class: 'status-steps card' }, operation.historique.map((step) => h('li', {},
        `${formatDate(step.date)} — ${(STATUS[step.statut] || [step.statut])[0]}`))),
      settled ? h('a', { class: 'btn btn-secondary btn-block', href: '#/' }, 'Retour à l\'accueil') : null,
      h('p', { class: 'center help-link' },
        h('a', { href: `#/aide/nouvelle?operation=${encodeURIComponent(operation.reference)}` }, 'Un problème ? Contacter le support')),
    ].filter(Boolean));
  };

  let wait = POLL_MS;
  const poll = async () => {
    try {
      const answer = await api('GET', `/api/operations/${encodeURIComponent(reference)}`);
      if (left) return;
      draw(answer.data);
      if (SETTLED.has(answer.data.statut)) return;
      wait = answer.data.statut === 'a_verifier' ? SLOW_POLL_MS : POLL_MS;
    } catch (error) {
      if (left) return;
      if (error.status === 404) throw error;
      toast(error.message, 'error');
    }
    timer = setTimeout(poll, wait);
  };
  await poll();
}, { title: 'Suivi de l\'opération', tab: 'accueil', back: '#/' });

// The code step of a deposit: `action_attendue` of the operation says a code is expected;
// until every view of an operation carries it, GET /api/depots/{reference}/code is asked once.
function codeStep(reference, redraw) {
  let prompt = null;
  let asked = false;
  let form = null;
  const path = `/api/depots/${encodeURIComponent(reference)}/code`;

  const build = () => {
    const label = h('label', { for: 'code-operateur', text: prompt });
    const hint = h('p', { class: 'hint', id: 'code-operateur-hint', text: '4 à 8 chiffres, reçus par SMS.' });
    const built = h('form', { class: 'stack code-step', id: 'code-paiement', novalidate: true, 'aria-label': 'Code de confirmation du paiement' },
      h('div', { class: 'field' }, label, hint,
        h('input', {
          id: 'code-operateur', name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
          pattern: '[0-9]{4,8}', minlength: 4, maxlength: 8, required: true, 'aria-describedby': 'code-operateur-hint',
        })),
      h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Valider le code'));
    onSubmit(built, async (data) => {
      const value = String(data.get('code') || '').replace(/\s+/g, '');
      if (!/^[0-9]{4,8}$/.test(value)) throw new Error('Le code est fait de 4 à 8 chiffres.');
      const answer = await api('POST', path, { body: { code: value } });
      built.reset();
      // The operator took the code (or closed the deposit): nothing more to type, unless
      // the answer asks for a code again.
      if (answer.data.action_attendue?.type !== 'otp') prompt = null;
      toast(answer.message);
      redraw(answer.data);
    });
    return built;
  };

  return {
    form(operation) {
      const action = operation.action_attendue;
      if (action?.type === 'otp') prompt = action.message;
      if (!prompt && !asked) {
        asked = true;
        api('GET', path).then((answer) => {
          prompt = answer.data.message;
          redraw(operation);
        }).catch(() => {}); // 409: no code is expected; the page follows the status anyway
      }
      if (!prompt || (action && action.type !== 'otp')) return null;
      form ??= build();
      form.querySelector('label').textContent = prompt;
      return form;
    },
  };
}

// ---------------------------------------------------------------------------- list

route('/operations', async (params, mount) => {
  const answer = await api('GET', '/api/operations');
  if (!answer.data.length) {
    mount.append(h('p', { class: 'empty card', text: 'Aucun dépôt ni retrait pour le moment.' }));
    return;
  }
  mount.append(h('ul', { class: 'list', 'aria-label': 'Mes dépôts et retraits' }, answer.data.map((operation) => h('li', {},
    h('a', { class: 'list-item', href: `#/operations/${encodeURIComponent(operation.reference)}` },
      h('span', { class: `icon ${operation.sens === 'depot' ? 'i-in' : 'i-out'}`, 'aria-hidden': 'true' }),
      h('span', { class: 'grow' },
        h('span', { class: 'title', text: `${operation.sens === 'depot' ? 'Dépôt' : 'Retrait'} · ${operation.nom_fournisseur}` }),
        h('span', { class: 'sub', text: formatDate(operation.date_creation) })),
      h('span', { class: 'stack', style: { alignItems: 'flex-end', gap: '4px' } },
        h('strong', { text: formatXof(operation.montant) }),
        statusBadge(operation.statut)))))));
}, { title: 'Dépôts et retraits', tab: 'accueil', back: '#/' });
