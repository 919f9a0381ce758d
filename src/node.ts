// tiffin for Node: the core plus the file model store.
export * from './index.js'
export { fileStore, tiffinHome, FileBackend } from './store/fs.js'
