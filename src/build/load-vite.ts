import { Unsupported } from '../errors.js'

/** Vite, which `tiffin build` bundles with: an optional peer, so apps that only serve or embed need not install it. */
export async function loadVite(): Promise<typeof import('vite')> {
  try {
    return await import('vite')
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' ||
      !String((error as Error).message).includes("'vite'")
    )
      throw error
    throw new Unsupported('tiffin build bundles with Vite, which is not installed here: npm install --save-dev vite@8')
  }
}
