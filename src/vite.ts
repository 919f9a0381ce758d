// tiffin-serve/vite: the Vite plugin that embeds tiffin in a Vite app (`plugins: [tiffin()]`).
export { tiffin as default, tiffin } from './vite/plugin.js'
export type { TiffinViteOptions } from './vite/plugin.js'
