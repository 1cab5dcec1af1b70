/** Entry point of the call page, in the app and in a browser. */
import './styles.css';
import { startApp } from './app.js';
import { selectBridge } from './bridge.js';
import { showAlert } from './dom.js';

window.addEventListener('error', (event) => showAlert(`Unexpected error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) => {
  const reason: unknown = event.reason;
  showAlert(`Unexpected error: ${reason instanceof Error ? reason.message : String(reason)}`);
});

try {
  startApp(selectBridge());
} catch (error) {
  showAlert(`Appel could not start: ${error instanceof Error ? error.message : String(error)}`);
}
