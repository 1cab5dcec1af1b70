/**
 * The shape of a catalogue section: English is the reference, French must translate every key
 * (the type forbids a missing or extra one). `{name}` in a string is a parameter t() fills in;
 * tests/integration/i18n-catalogue.test.ts checks both languages use the same parameters.
 */
export type Section = Readonly<Record<string, string>>;

/** A translation of section `S`: the same keys, each with its own words. */
export type Translation<S extends Section> = { readonly [K in keyof S]: string };
