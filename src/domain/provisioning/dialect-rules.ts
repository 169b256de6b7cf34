/**
 * The named IdP dialect rules: each deviation from RFC 7643/7644 that SCIM's lenient mode reads as
 * its RFC form (shared IDP-DIALECTS.md, src/scim/patch/dialects.ts). A rule's name is stable — the
 * provisioning log stores it, and the admin API, CLI and console show its sentence — so rename none;
 * add new ones at the end. Strict mode refuses each of these deviations instead, except where a rule
 * says that both modes read it. The catalogue lives in the domain so that every reader of the log
 * shows the same sentence without importing the SCIM protocol.
 */
export const DIALECT_RULES = Object.freeze({
  'boolean-string': 'A boolean sent as the string "True" or "False" (any case) is read as true or false.',
  'single-value-as-list': 'A single value given for a multi-valued attribute is read as a list of that one value.',
  'extension-not-in-schemas': 'An extension object whose URN is missing from "schemas" is read as if the URN were listed.',
  'duplicate-schema-urn': 'A URN listed more than once in "schemas" is read once.',
  'patch-schema-case': 'The PatchOp message URN written in another case is read as the URN.',
  'op-name-case': 'A PATCH "op" written in another case ("Replace") is read in lower case.',
  'blank-path': 'A PATCH "path" that is null or blank is read as no path.',
  'padded-path': 'A PATCH "path" with leading or trailing spaces is read without them.',
  'path-operator-space': 'A quoted value right after a comparison operator in a PATCH path (members[value eq"…"], as in RFC 7644\'s own example) is read with the space; both modes.',
  'bare-complex-value': 'A bare value for a singular complex attribute (an enterprise manager\'s id) is read as {"value": …}.',
  'server-set-key-ignored': 'An "id", "meta" or "schemas" key in a PATCH value without "path" is skipped: the server sets them.',
  'path-key': 'A key of a PATCH value without "path" that is a path ("name.givenName", an extension URN attribute) is read as that path.',
  'readonly-sub-ignored': 'A readOnly sub-attribute inside a PATCH value (manager.displayName) is skipped.',
  'members-remove-value': 'A "remove" of members with a value list removes exactly the members listed.',
  'remove-with-value': 'A "remove" of a multi-valued attribute with a value removes the values given.',
  'remove-no-match': 'A "remove" through a value filter that matches nothing does nothing, instead of failing with noTarget.',
  'replace-creates-filtered': 'A "replace" through a value filter that matches nothing adds the element the filter describes, instead of failing with noTarget.',
  // Filters and projections (src/scim/filter/parse.ts, src/scim/schema/projection.ts).
  'filter-unquoted-value': 'An unquoted value in a filter (userName eq bjensen, meta.created gt 2015-10-10T14:38:21.86-07:00) is read as a string (a dateTime where the attribute is one).',
  'filter-literal-case': 'A filter\'s true, false or null written in another case (True) is read as the JSON literal.',
  'attributes-value-filter': 'A value filter in "attributes" or "excludedAttributes" (emails[type eq "work"]) selects the matching values of the attribute.',
} as const)

export type DialectRule = keyof typeof DIALECT_RULES
