// Entry point: loads the core, then every view module (each registers its screens with
// route() when imported), then starts the router and the service worker.
import { start } from './core.js';

const VIEWS = [
  './views/onboarding.js',
  './views/wallet.js',
  './views/operations.js',
  './views/health.js',
  './views/social.js',
  './views/rooms.js',
  './views/notifications.js',
  './views/profile.js',
  './views/account-security.js',
  './views/account-identifier.js',
  './views/account-deletion.js',
  './views/account-export.js',
  './views/referral.js',
  './views/account-devices.js',
  './views/help.js',
];

// A view that fails to load takes only its own screens down, never the whole app.
const loaded = await Promise.allSettled(VIEWS.map((path) => import(path)));
loaded.forEach((result, index) => {
  if (result.status === 'rejected') console.error(`Module ${VIEWS[index]} non chargé`, result.reason);
});
start();

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => {
    console.warn('Service worker non installé', error);
  });
}
