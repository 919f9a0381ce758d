// What Vite's `?url` imports give: the URL the asset is served from (in dev and in a build).
declare module '*?url' {
  const url: string
  export default url
}
