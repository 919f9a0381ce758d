// The recogniser as a runnable of its own: the ONNX runnable for the model, plus the model's dictionary,
// read from the store beside it when the worker sets up, so that text (not 6,625 probabilities a step)
// is what comes back from the worker. Workers import this module themselves: keep it runtime-free.
import { BadInput, defineRunnable, onnxRunnable, tagOf, type OnnxParams, type Tensor } from '../../src/index.js'
import { ctcDecode, parseKeys, recognitionClasses, SPACE_THRESHOLD, type RecognizedText } from './postprocess.js'

/** The dictionary's file name in the store, saved with the recogniser's model (see `importOcrModels`). */
export const KEYS_FILE = 'ppocr_keys_v1.txt'

export type RecognizerMethods = {
  /** Lines `[N, 3, 48, W]` (see `recognizerInput`) to their text, one result a line. */
  run(feeds: { readonly x: Tensor<'float32'> }): Promise<RecognizedText[]>
}

export const recognizer = defineRunnable<OnnxParams, RecognizerMethods>({
  name: 'ocr-rec',
  module: import.meta.url,
  exportName: 'recognizer',
  resources: onnxRunnable.resources,
  multiThreaded: true,
  methods: { run: { batchable: true, batchDim: 0 } },
  async setup(context) {
    const info = context.models[0]
    if (!info) throw new BadInput('The recogniser needs its model: give the runner models: ["ocr-rec:latest"]')
    if (!info.files[KEYS_FILE])
      throw new BadInput(
        `${tagOf(info)} has no "${KEYS_FILE}" beside it; save the model with its dictionary (importOcrModels does)`,
      )
    const [model, keys] = await Promise.all([onnxRunnable.setup(context), context.store.read(info, KEYS_FILE)])
    const dictionary = parseKeys(new TextDecoder().decode(keys))
    let classes: string[] | undefined
    return {
      async run(feeds) {
        const outputs = Object.values(await model.run(feeds))
        if (outputs.length !== 1) throw new TypeError(`${tagOf(info)} should have one output, has ${outputs.length}`)
        const probs = outputs[0]!
        // The class count is known only from an output; it is checked against the dictionary once.
        classes ??= recognitionClasses(dictionary, probs.dims.at(-1) ?? 0)
        return ctcDecode(probs, classes, { spaceThreshold: SPACE_THRESHOLD })
      },
    }
  },
})
