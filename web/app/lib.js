// Preact with hooks and htm tagged templates, served by Roster from node_modules (no build step).
export * from '/admin/vendor/htm-preact.js'
