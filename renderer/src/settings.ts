/**
 * Settings: the interface language. The page starts in the system's language; the switch
 * changes it at once, mid-call too, and remembers the choice.
 */
import type { CallContext, Feature } from './feature.js';
import { language, LANGUAGES, onLanguageChange, setLanguage, t } from './i18n.js';
import { CATALOGUES } from './strings/index.js';

export function settingsFeature(ctx: CallContext): Feature {
  const label = document.createElement('label');
  label.htmlFor = 'language-select';
  label.className = 'setting';
  const select = document.createElement('select');
  select.id = 'language-select';
  for (const code of LANGUAGES) {
    // Each language named in its own words, marked as such for screen readers.
    const option = new Option(CATALOGUES[code]['core.languageName'], code);
    option.lang = code;
    select.append(option);
  }
  select.value = language();
  select.addEventListener('change', () => {
    const chosen = LANGUAGES.find((code) => code === select.value);
    if (chosen) setLanguage(chosen);
  });

  const word = (): void => {
    label.textContent = t('core.language');
  };
  word();
  onLanguageChange(word);
  ctx.ui.settingsPanel.append(label, select);
  return {};
}
