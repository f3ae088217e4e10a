// Mermaid from the app's own static folder; strict: no scripts or links inside diagrams.
mermaid.initialize({startOnLoad: true, securityLevel: 'strict'});
