/** Entry point of the call page, in the app and in a browser. */
import './styles.css';
import { startApp } from './app.js';
import { selectBridge } from './bridge.js';
import { showAlert } from './dom.js';
import { t, translatePage } from './i18n.js';

const messageOf = (reason: unknown): string =>
  reason instanceof Error ? reason.message : String(reason);

window.addEventListener('error', (event) =>
  showAlert(() => t('core.unexpectedError', { message: event.message })),
);
window.addEventListener('unhandledrejection', (event) => {
  const reason: unknown = event.reason;
  showAlert(() => t('core.unexpectedError', { message: messageOf(reason) }));
});

// The static text first, in the language the system or the user chose.
translatePage();
try {
  startApp(selectBridge());
} catch (error) {
  showAlert(() => t('core.startFailed', { message: messageOf(error) }));
}
