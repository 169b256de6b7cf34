/** JSON values as the domain stores them (SCIM documents, settings, audit changes). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export type JsonObject = { [key: string]: Json }
