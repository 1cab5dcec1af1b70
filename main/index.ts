// Placeholder: the main process is being written (see main/).
import { app } from 'electron';

void app.whenReady();
