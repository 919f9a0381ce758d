// A new version of sw-embedded.ts (a new script URL): registering it updates the Service Worker.
import './sw-embedded.js'
