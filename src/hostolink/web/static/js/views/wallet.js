// Wallet screens: dashboard (balance, card, recent transactions), receipts, send money (number,
// e-mail, contact, QR by camera or photo; PIN; receipt) and receive (my QR, QR for an amount).
import {
  api, apiBlob, formatDate, formatXof, formError, h, navigate, onLeave, route, session, toast,
} from '../core.js';

const KINDS = {
  transfert: 'Transfert',
  paiement_qr: 'Paiement QR',
  depot: 'Dépôt',
  retrait: 'Retrait',
  remboursement: 'Remboursement',
  ajustement: 'Ajustement',
  bonus_parrainage: 'Bonus de parrainage',
  contre_passation: 'Remboursement',
};
const STATES = { reussie: 'Réussie', validee: 'Validée', en_attente: 'En attente', echouee: 'Échouée', annulee: 'Annulée' };

/** A key per payment confirmation, reused if that same confirmation is sent again. */
export function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function field({ id, label, hint, ...input }) {
  return h('div', { class: 'field' },
    h('label', { for: id, text: label }),
    hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    h('input', { id, name: id, 'aria-describedby': hint ? `${id}-hint` : null, ...input }));
}

export function amountField(id = 'montant', label = 'Montant (F CFA)') {
  return field({ id, label, type: 'text', inputmode: 'numeric', pattern: '[0-9 ]*', autocomplete: 'off', required: true });
}

export function pinField() {
  return field({
    id: 'pin', label: 'Mot de passe (PIN)', hint: 'Votre mot de passe Hostolink confirme le paiement.',
    type: 'password', autocomplete: 'current-password', required: true,
  });
}

/** "12 500" → 12500; anything else → an error in French. */
export function readAmount(raw) {
  const digits = String(raw || '').replace(/[\s\u00a0\u202f]/g, '');
  if (!/^\d+$/.test(digits) || Number(digits) <= 0) {
    throw Object.assign(new Error('Indiquez un montant en francs CFA (un nombre entier positif).'), { fields: [{ champ: 'montant' }] });
  }
  return Number(digits);
}

/** Submit handler with the button disabled while it runs and errors shown in the form. */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    formError(form, null);
    if (button) button.disabled = true;
    try {
      await action(new FormData(form));
    } catch (error) {
      formError(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

function loading() {
  return h('p', { class: 'loading', text: 'Chargement…' });
}

function transactionItem(item) {
  const incoming = item.sens === 'entrant';
  const who = item.contrepartie?.nom_affiche || item.description || KINDS[item.type_transaction] || item.type_transaction;
  return h('li', {},
    h('a', { class: 'list-item', href: `#/transactions/${encodeURIComponent(item.reference)}` },
      h('span', { class: `icon ${incoming ? 'i-in' : 'i-out'}`, 'aria-hidden': 'true' }),
      h('span', { class: 'grow' },
        h('span', { class: 'title', text: who }),
        h('span', { class: 'sub', text: `${KINDS[item.type_transaction] || item.type_transaction} · ${formatDate(item.date)}` })),
      h('span', { class: incoming ? 'amount-in' : 'amount-out', text: `${incoming ? '+' : '−'}${formatXof(item.montant)}` })));
}

function transactionList(items) {
  if (!items.length) return h('p', { class: 'empty card', text: 'Aucune opération pour le moment.' });
  return h('ul', { class: 'list', 'aria-label': 'Opérations' }, items.map(transactionItem));
}

// ------------------------------------------------------------------ QR dialog (shared)

/** A modal showing a QR PNG large, with a download button. */
export function showQrDialog(objectUrl, title, fileName) {
  const close = h('button', { class: 'btn btn-secondary', type: 'button' }, 'Fermer');
  const dialog = h('dialog', { 'aria-label': title },
    h('div', { class: 'qr-box qr-large stack' },
      h('h2', { text: title }),
      h('img', { src: objectUrl, alt: `QR code : ${title}` }),
      h('div', { class: 'row' },
        h('a', { class: 'btn btn-primary', href: objectUrl, download: fileName }, 'Télécharger'),
        close)));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

// -------------------------------------------------------------------------- dashboard

route('/', async (params, mount) => {
  const balance = h('section', { class: 'balance', 'aria-label': 'Mon solde' }, h('p', { class: 'label', text: 'Solde disponible' }), h('p', { class: 'value', id: 'solde', text: '…' }));
  const cardSlot = h('div', {});
  const recent = h('div', {}, loading());
  mount.append(
    balance,
    h('nav', { class: 'actions', 'aria-label': 'Actions du portefeuille' },
      h('a', { class: 'action', href: '#/payer' }, h('span', { class: 'icon i-out', 'aria-hidden': 'true' }), 'Payer'),
      h('a', { class: 'action', href: '#/recevoir' }, h('span', { class: 'icon i-qr', 'aria-hidden': 'true' }), 'Recevoir'),
      h('a', { class: 'action', href: '#/depot' }, h('span', { class: 'icon i-in', 'aria-hidden': 'true' }), 'Déposer'),
      h('a', { class: 'action', href: '#/retrait' }, h('span', { class: 'icon i-pay', 'aria-hidden': 'true' }), 'Retirer')),
    h('h2', { class: 'section-title', text: 'Ma carte' }),
    cardSlot,
    h('div', { class: 'row between' },
      h('h2', { class: 'section-title', text: 'Opérations récentes' }),
      h('a', { href: '#/transactions', text: 'Tout voir' })),
    recent,
  );
  const [wallet, me, history] = await Promise.all([
    api('GET', '/api/portefeuille'),
    session.me().catch(() => null),
    api('GET', '/api/transactions', { query: { limite: 5 } }),
  ]);
  const name = me?.prenom ? `Bonjour ${me.prenom}` : 'Bonjour';
  balance.prepend(h('p', { class: 'label', text: name }));
  balance.querySelector('#solde').textContent = formatXof(wallet.data.solde);
  balance.append(h('p', { class: 'account', text: `Compte ${wallet.data.numero_compte}` }));
  if (wallet.data.montant_bloque > 0) {
    // Withdrawals not settled yet: money out of the balance, held until the operator answers.
    balance.append(h('a', { class: 'held', id: 'montant-bloque', href: '#/operations' },
      `Montant bloqué : ${formatXof(wallet.data.montant_bloque)} (retrait en cours)`));
  }
  recent.replaceChildren(transactionList(history.data));
  renderCard(cardSlot).catch((error) => cardSlot.replaceChildren(h('p', { class: 'empty card', text: error.message })));
}, { title: 'Accueil', tab: 'accueil' });

async function renderCard(slot) {
  const [card, face] = await Promise.all([api('GET', '/api/carte'), apiBlob('/api/carte/visuel.svg')]);
  const data = card.data;
  const button = h('button', {
    class: 'bank-card', type: 'button', id: 'carte',
    'aria-label': `Carte ${data.reseau} ${data.numero_masque}, expire ${String(data.mois_expiration).padStart(2, '0')}/${data.annee_expiration}. Toucher pour agrandir le QR code.`,
  }, h('img', { src: face, alt: '' }));
  button.addEventListener('click', async () => {
    try {
      const qr = await apiBlob('/api/qr/statique.png');
      showQrDialog(qr, 'Mon QR code de paiement', 'hostolink-qr.png');
    } catch (error) {
      toast(error.message, 'error');
    }
  });
  const status = data.statut === 'active' ? null : h('p', { class: 'badge warn', text: `Carte ${data.statut === 'gelee' ? 'gelée' : data.statut}` });
  slot.replaceChildren(...[button, status, h('p', { class: 'small muted center', text: 'Touchez la carte pour agrandir son QR code.' })].filter(Boolean));
}

// ---------------------------------------------------------------------- transactions

route('/transactions', async (params, mount) => {
  const list = h('div', {}, loading());
  const more = h('button', { class: 'btn btn-secondary btn-block', type: 'button', hidden: true }, 'Voir plus');
  mount.append(list, more);
  let items = [];
  let cursor = null;
  async function load() {
    const page = await api('GET', '/api/transactions', { query: { limite: 20, curseur: cursor } });
    items = items.concat(page.data);
    cursor = page.curseur_suivant;
    list.replaceChildren(transactionList(items));
    more.hidden = !cursor;
  }
  more.addEventListener('click', () => load().catch((error) => toast(error.message, 'error')));
  await load();
}, { title: 'Mes opérations', tab: 'accueil', back: '#/' });

function receiptCard(data, { mine = true } = {}) {
  const rows = [
    ['Montant', formatXof(data.montant)],
    ['Frais', formatXof(data.frais)],
    data.montant_debite !== undefined ? ['Débité', formatXof(data.montant_debite)] : null,
    data.source ? ['De', data.source.nom_affiche] : null,
    data.destination || data.destinataire ? ['À', (data.destination || data.destinataire).nom_affiche] : null,
    ['Type', KINDS[data.type_transaction] || data.type_transaction],
    ['Statut', STATES[data.statut] || data.statut],
    data.description ? ['Objet', data.description] : null,
    ['Date', formatDate(data.date)],
    ['Référence', data.reference],
    data.nouveau_solde !== undefined && mine ? ['Nouveau solde', formatXof(data.nouveau_solde)] : null,
  ].filter(Boolean);
  return h('section', { class: 'card receipt stack', 'aria-label': 'Reçu' },
    h('p', { class: 'big-amount', text: formatXof(data.montant) }),
    h('dl', {}, rows.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', { text: value })])));
}

route('/transactions/:reference', async ({ reference }, mount) => {
  mount.append(loading());
  const answer = await api('GET', `/api/transactions/${encodeURIComponent(reference)}`);
  mount.replaceChildren(receiptCard(answer.data), h('a', { class: 'btn btn-secondary btn-block', href: '#/' }, 'Retour à l\'accueil'),
    h('p', { class: 'center help-link' },
      h('a', { href: `#/aide/nouvelle?transaction=${encodeURIComponent(answer.data.reference)}` }, 'Un problème ? Contacter le support')));
}, { title: 'Reçu', tab: 'accueil', back: '#/transactions' });

// ------------------------------------------------------------------------ QR reading

let jsqrLoading = null;

/** jsQR, from our own copy (vendor/jsqr), loaded only when a QR is read. */
function loadJsQr() {
  jsqrLoading ??= new Promise((resolve, reject) => {
    if (window.jsQR) { resolve(window.jsQR); return; }
    const script = h('script', { src: '/app/vendor/jsqr/jsQR.js' });
    script.addEventListener('load', () => resolve(window.jsQR));
    script.addEventListener('error', () => { jsqrLoading = null; reject(new Error('Lecteur de QR code indisponible.')); });
    document.head.append(script);
  });
  return jsqrLoading;
}

function decodePixels(jsQR, source, width, height) {
  const scale = Math.min(1, 1280 / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: 'attemptBoth' })?.data || null;
}

/** The payload of a QR photo: read in the page, else by the server (POST /api/qr/decoder). */
async function payloadFromPhoto(file) {
  try {
    const jsQR = await loadJsQr();
    const bitmap = await createImageBitmap(file);
    const text = decodePixels(jsQR, bitmap, bitmap.width, bitmap.height);
    bitmap.close?.();
    if (text) return text;
  } catch { /* the server has a second, stronger reader */ }
  const form = new FormData();
  form.append('image', file);
  const answer = await api('POST', '/api/qr/decoder', { form });
  return answer.data.payload;
}

/** Camera scanner: resolves with the first QR text seen; stops the camera on leave. */
function scanWithCamera(container) {
  return new Promise((resolve, reject) => {
    if (!navigator.mediaDevices?.getUserMedia) {
      reject(new Error('La caméra n\'est pas disponible dans ce navigateur : choisissez une photo du QR code.'));
      return;
    }
    let stream = null;
    let stopped = false;
    const video = h('video', { playsinline: 'true', muted: true, 'aria-label': 'Image de la caméra' });
    video.muted = true;
    const cancel = h('button', { class: 'btn btn-secondary btn-block', type: 'button' }, 'Arrêter la caméra');
    container.replaceChildren(h('div', { class: 'scanner' }, video, h('div', { class: 'frame', 'aria-hidden': 'true' })),
      h('p', { class: 'small muted center', text: 'Placez le QR code dans le cadre.' }), cancel);
    const stop = () => {
      stopped = true;
      stream?.getTracks().forEach((track) => track.stop());
      container.replaceChildren();
    };
    onLeave(stop);
    cancel.addEventListener('click', () => { stop(); reject(new Error('Lecture annulée.')); });
    Promise.all([loadJsQr(), navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })])
      .then(([jsQR, media]) => {
        stream = media;
        if (stopped) { stop(); return; }
        video.srcObject = media;
        video.play();
        const tick = () => {
          if (stopped) return;
          if (video.readyState >= 2 && video.videoWidth) {
            const text = decodePixels(jsQR, video, video.videoWidth, video.videoHeight);
            if (text) { stop(); resolve(text); return; }
          }
          setTimeout(() => requestAnimationFrame(tick), 150);
        };
        tick();
      })
      .catch((error) => {
        stop();
        reject(new Error(error?.name === 'NotAllowedError'
          ? 'Accès à la caméra refusé : autorisez-le, ou choisissez une photo du QR code.'
          : 'Impossible d\'ouvrir la caméra : choisissez une photo du QR code.'));
      });
  });
}

// ---------------------------------------------------------------------------- pay

route('/payer', async (params, mount) => {
  const state = { contact: null, suggested: null };
  const scanArea = h('div', { class: 'stack' });
  const photo = h('input', { type: 'file', accept: 'image/*', id: 'photo-qr', hidden: true, 'aria-label': 'Photo du QR code' });
  const scanButton = h('button', { class: 'btn btn-primary', type: 'button', id: 'scanner' }, h('span', { class: 'icon i-camera', 'aria-hidden': 'true' }), 'Scanner');
  const photoButton = h('button', { class: 'btn btn-secondary', type: 'button', id: 'photo' }, h('span', { class: 'icon i-qr', 'aria-hidden': 'true' }), 'Photo du QR');
  const qrError = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const showQrError = (error) => { qrError.textContent = error.message; qrError.hidden = false; };
  const withPayload = async (payload) => {
    qrError.hidden = true;
    const answer = await api('POST', '/api/qr/resoudre', { body: { payload } });
    confirmQr(mount, payload, answer.data);
  };
  scanButton.addEventListener('click', () => {
    qrError.hidden = true;
    scanWithCamera(scanArea).then(withPayload).catch(showQrError);
  });
  photoButton.addEventListener('click', () => photo.click());
  photo.addEventListener('change', async () => {
    const [file] = photo.files;
    photo.value = '';
    if (!file) return;
    try {
      await withPayload(await payloadFromPhoto(file));
    } catch (error) {
      showQrError(error);
    }
  });

  const to = h('div', { class: 'field' },
    h('label', { for: 'destinataire', text: 'Numéro, e-mail ou numéro de compte' }),
    h('input', { id: 'destinataire', name: 'destinataire', type: 'text', inputmode: 'email', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true }));
  const chosen = h('p', { class: 'row', hidden: true });
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': 'Envoyer de l\'argent' },
    h('h2', { text: 'Envoyer de l\'argent' }),
    to, chosen, amountField(),
    field({ id: 'description', label: 'Motif (facultatif)', type: 'text', maxlength: 255, autocomplete: 'off' }),
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Continuer'));
  onSubmit(form, async (data) => {
    const montant = readAmount(data.get('montant'));
    const description = String(data.get('description') || '').trim() || null;
    if (state.contact) {
      confirmTransfer(mount, { id_contact: state.contact.id_contact, montant, description }, state.contact.alias || state.contact.nom_affiche);
      return;
    }
    const destinataire = String(data.get('destinataire') || '').trim();
    if (!destinataire) throw Object.assign(new Error('Indiquez le numéro, l\'e-mail ou le numéro de compte du destinataire.'), { fields: [{ champ: 'destinataire' }] });
    const label = state.suggested?.numero_compte === destinataire ? state.suggested.nom_affiche : destinataire;
    confirmTransfer(mount, { destinataire, montant, description }, label);
  });

  const contactsSlot = h('div', {}, loading());
  mount.append(
    h('section', { class: 'card stack', 'aria-label': 'Payer avec un QR code' },
      h('h2', { text: 'Payer un QR code' }),
      h('div', { class: 'row' }, scanButton, photoButton), photo, qrError, scanArea),
    form,
    h('h2', { class: 'section-title', text: 'Mes contacts' }),
    contactsSlot,
  );

  const [contacts, suggestions] = await Promise.all([
    api('GET', '/api/contacts'),
    api('GET', '/api/contacts/suggestions').catch(() => ({ data: [] })),
  ]);
  if (suggestions.data.length) {
    mount.append(
      h('h2', { class: 'section-title', text: 'Payés récemment' }),
      h('ul', { class: 'list', 'aria-label': 'Payés récemment' }, suggestions.data.map((person) => {
        const button = h('button', { class: 'list-item', type: 'button' },
          h('span', { class: 'icon i-out', 'aria-hidden': 'true' }),
          h('span', { class: 'grow' },
            h('span', { class: 'title', text: person.nom_affiche }),
            h('span', { class: 'sub', text: [person.telephone_masque, person.email_masque, person.numero_compte].find((value) => value && value !== person.nom_affiche) })));
        button.addEventListener('click', () => {
          state.suggested = person;
          form.querySelector('#destinataire').value = person.numero_compte;
          form.querySelector('#montant').focus();
        });
        return h('li', {}, button);
      })));
  }
  if (!contacts.data.length) {
    contactsSlot.replaceChildren(h('p', { class: 'empty card', text: 'Aucun contact enregistré. Après un envoi, enregistrez le destinataire.' }));
    return;
  }
  const choose = (contact) => {
    state.contact = contact;
    to.hidden = Boolean(contact);
    chosen.hidden = !contact;
    if (contact) {
      const clear = h('button', { class: 'btn-link', type: 'button' }, 'Changer');
      clear.addEventListener('click', () => choose(null));
      chosen.replaceChildren(h('span', { class: 'grow' }, 'À : ', h('strong', { text: contact.alias || contact.nom_affiche })), clear);
      form.querySelector('#montant').focus();
    }
  };
  contactsSlot.replaceChildren(h('ul', { class: 'list', 'aria-label': 'Contacts' }, contacts.data.map((contact) => {
    const button = h('button', { class: 'list-item', type: 'button' },
      h('span', { class: 'icon i-profile', 'aria-hidden': 'true' }),
      h('span', { class: 'grow' },
        h('span', { class: 'title', text: contact.alias || contact.nom_affiche }),
        h('span', { class: 'sub', text: contact.telephone_masque || contact.email_masque || contact.numero_compte || '' })));
    button.addEventListener('click', () => choose(contact));
    return h('li', {}, button);
  })));
}, { title: 'Payer', tab: 'payer' });

/** The PIN step of a payment; `send(pin, key)` posts it. The key is made once per screen. */
function confirmStep(mount, summary, send, onDone) {
  const key = idempotencyKey();
  const cancel = h('button', { class: 'btn btn-secondary btn-block', type: 'button' }, 'Annuler');
  cancel.addEventListener('click', () => navigate('#/payer'));
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': 'Confirmer le paiement' },
    summary, pinField(),
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Confirmer et payer'), cancel);
  onSubmit(form, async (data) => {
    const answer = await send(String(data.get('pin') || ''), key);
    onDone(answer);
  });
  mount.replaceChildren(form);
  window.scrollTo(0, 0);
  // An amount still to type (a QR code for any amount) comes before the PIN.
  (form.querySelector('#montant') || form.querySelector('#pin')).focus();
}

function confirmTransfer(mount, body, label) {
  const summary = h('div', { class: 'stack center' },
    h('h2', { text: 'Vérifiez avant de payer' }),
    h('p', { class: 'big-amount', text: formatXof(body.montant) }),
    h('p', {}, 'À ', h('strong', { text: label })),
    body.description ? h('p', { class: 'muted', text: body.description }) : null);
  confirmStep(mount, summary,
    (pin, key) => api('POST', '/api/transferts', { body: { ...body, pin }, headers: { 'Idempotency-Key': key } }),
    (answer) => paid(mount, answer, body.destinataire || null));
}

function confirmQr(mount, payload, resolution) {
  const fixed = resolution.montant !== null && resolution.montant !== undefined;
  const summary = h('div', { class: 'stack' },
    h('h2', { class: 'center', text: 'Vérifiez avant de payer' }),
    h('p', { class: 'center' }, 'À ', h('strong', { id: 'beneficiaire', text: resolution.destinataire.nom_affiche }),
      resolution.destinataire.telephone_masque ? h('span', { class: 'muted', text: ` (${resolution.destinataire.telephone_masque})` }) : null),
    resolution.libelle ? h('p', { class: 'center muted', text: resolution.libelle }) : null,
    fixed ? h('p', { class: 'big-amount', text: formatXof(resolution.montant) }) : amountField());
  confirmStep(mount, summary, (pin, key) => {
    const body = { payload, pin };
    if (!fixed) body.montant = readAmount(mount.querySelector('#montant').value);
    return api('POST', '/api/qr/payer', { body, headers: { 'Idempotency-Key': key } });
  }, (answer) => paid(mount, answer, null));
}

function paid(mount, answer, typedRecipient) {
  toast(answer.message || 'Paiement effectué.');
  const actions = h('div', { class: 'stack' },
    h('a', { class: 'btn btn-primary btn-block', href: '#/' }, 'Retour à l\'accueil'),
    h('a', { class: 'btn btn-secondary btn-block', href: `#/transactions/${encodeURIComponent(answer.data.reference)}` }, 'Voir le reçu'));
  if (typedRecipient) {
    const save = h('button', { class: 'btn btn-secondary btn-block', type: 'button' }, 'Enregistrer ce contact');
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        const saved = await api('POST', '/api/contacts', { body: { identifiant: typedRecipient } });
        toast(saved.message || 'Contact enregistré.');
        save.remove();
      } catch (error) {
        toast(error.message, 'error');
        save.disabled = false;
      }
    });
    actions.append(save);
  }
  mount.replaceChildren(
    h('div', { class: 'card center stack', role: 'status' },
      h('h2', { text: 'Paiement effectué' }),
      h('p', { class: 'muted', text: answer.message || '' })),
    receiptCard(answer.data), actions);
  window.scrollTo(0, 0);
}

// --------------------------------------------------------------------------- receive

route('/recevoir', async (params, mount) => {
  const mine = h('section', { class: 'card qr-box', 'aria-label': 'Mon QR code' }, loading());
  const created = h('div', { class: 'stack' });
  const form = h('form', { class: 'card stack', novalidate: true, 'aria-label': 'Demander un montant' },
    h('h2', { text: 'Demander un montant précis' }),
    amountField(),
    field({ id: 'libelle', label: 'Objet (facultatif)', type: 'text', maxlength: 140, autocomplete: 'off' }),
    h('button', { class: 'btn btn-primary btn-block', type: 'submit' }, 'Créer le QR code'));
  onSubmit(form, async (data) => {
    const body = { montant: readAmount(data.get('montant')) };
    const libelle = String(data.get('libelle') || '').trim();
    if (libelle) body.libelle = libelle;
    const answer = await api('POST', '/api/qr/dynamique', { body });
    const image = await apiBlob(answer.data.images.png);
    const title = `${formatXof(answer.data.montant)}${answer.data.libelle ? ` · ${answer.data.libelle}` : ''}`;
    const show = h('button', { class: 'btn-link', type: 'button' }, 'Agrandir');
    show.addEventListener('click', () => showQrDialog(image, title, `hostolink-qr-${answer.data.code}.png`));
    created.replaceChildren(h('section', { class: 'card qr-box', id: 'qr-montant', 'aria-label': 'QR code à montant fixe' },
      h('p', { class: 'big-amount', text: formatXof(answer.data.montant) }),
      answer.data.libelle ? h('p', { class: 'muted', text: answer.data.libelle }) : null,
      h('img', { src: image, alt: `QR code pour recevoir ${formatXof(answer.data.montant)}` }),
      answer.data.date_expiration ? h('p', { class: 'small muted', text: `Valable une fois, jusqu'au ${formatDate(answer.data.date_expiration)}` }) : null,
      h('div', { class: 'row' }, show, h('a', { class: 'btn btn-secondary', href: image, download: `hostolink-qr-${answer.data.code}.png` }, 'Télécharger'))));
    toast(answer.message || 'QR code créé.');
    created.scrollIntoView({ block: 'start' });
  });
  mount.append(mine, form, created);
  const [image, me] = await Promise.all([apiBlob('/api/qr/statique.png'), session.me().catch(() => null)]);
  const name = [me?.prenom, me?.nom].filter(Boolean).join(' ');
  mine.replaceChildren(...[
    h('h2', { text: 'Mon QR code' }),
    h('p', { class: 'muted center small', text: 'Montrez-le pour recevoir un paiement de n\'importe quel montant.' }),
    h('img', { src: image, alt: 'Mon QR code de paiement' }),
    name ? h('p', { class: 'center' }, h('strong', { text: name })) : null,
    me?.compte ? h('p', { class: 'small muted', text: `Compte ${me.compte.numero_compte}` }) : null,
    h('a', { class: 'btn btn-secondary', href: image, download: 'hostolink-qr.png' }, 'Télécharger'),
  ].filter(Boolean));
}, { title: 'Recevoir', tab: 'payer', back: '#/' });
