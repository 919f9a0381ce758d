// Modules a Vite build provides: `?url` imports, and the modules `tiffin build` makes for the built page.

/** The URL an asset is served from (in dev and in a build). */
declare module '*?url' {
  const url: string
  export default url
}

/** The module that defines the service being built. */
declare module 'virtual:tiffin/service' {
  const exported: unknown
  export default exported
}

/** The built page's settings (from the build config's `browser`). */
declare module 'virtual:tiffin/options' {
  const options: import('./options.js').BrowserAppOptions
  export default options
}

/** The page's files, for the Service Worker to keep. */
declare module 'virtual:tiffin/shell' {
  const shell: import('./options.js').AppShell
  export default shell
}
