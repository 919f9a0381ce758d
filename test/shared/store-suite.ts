// One model-store suite, run against the file store in Node and the IndexedDB store in real Chromium.
import { BadInput, Conflict, Corrupted, NotFound } from '../../src/errors.js'
import type { ModelStore, SaveProgress } from '../../src/store/model-store.js'
import { packTar, type TarEntry } from '../../src/store/tar.js'
import { assert, assertBytesEqual, assertEqual, assertRejects } from './assert.js'

export interface StoreHarness {
  /** An empty store of the backend under test. */
  fresh(): Promise<ModelStore>
  /** Flips one byte of a stored file behind the store's back, as a disk fault would. */
  flipByte(store: ModelStore, name: string, version: string, file: string, offset: number): Promise<void>
}

export interface StoreCase {
  readonly name: string
  run(harness: StoreHarness): Promise<void>
}

/** Deterministic bytes (xorshift), so a test's model is the same on every run and in every runtime. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

const streamOf = (bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += chunk) controller.enqueue(bytes.slice(i, i + chunk))
      controller.close()
    },
  })

const BAD_TAGS: [string, RegExp][] = [
  ['../x', /may hold only lower-case letters/],
  ['Upper', /must be lower case/],
  ['a:b:c', /at most one ":"/],
  ['a'.repeat(64), /at most 63 characters/],
  ['', /must not be empty/],
  ['ok:Bad', /must be lower case/],
  ['..', /may hold only lower-case letters/],
  ['/etc/passwd', /may hold only lower-case letters/],
  ['ok:../../x', /may hold only lower-case letters/],
]

export const storeCases: StoreCase[] = [
  {
    name: 'a saved model is found by name, latest, exact version and unique prefix, with its bytes intact',
    async run(h) {
      const store = await h.fresh()
      const bytes = bytesOf(3_000_123) // several chunks
      const saved = await store.save('resnet', bytes, { labels: { team: 'vision' }, metadata: { acc: 0.9 } })
      assertEqual(saved.sha256, await sha256Hex(bytes), 'sha256 of the saved model')
      assertEqual(saved.size, bytes.length, 'size')
      for (const tag of [
        'resnet',
        'resnet:latest',
        `resnet:${saved.version}`,
        `resnet:${saved.version.slice(0, 12)}`,
      ]) {
        assertEqual(await store.get(tag), saved, `get(${tag})`)
      }
      assertBytesEqual(await store.read('resnet'), bytes, 'read bytes')
      assertEqual((await store.get('resnet')).labels, { team: 'vision' }, 'labels')
      assertEqual((await store.get('resnet')).metadata, { acc: 0.9 }, 'metadata')
      assertEqual(
        (await store.get('resnet')).signatures,
        { run: { batchable: false, batchDim: [0, 0] } },
        'default signature',
      )
    },
  },
  {
    name: 'models save from a Blob, a stream and a URL, reporting progress up to the full size',
    async run(h) {
      const store = await h.fresh()
      const bytes = bytesOf(2_500_000, 7)
      const sources = {
        blob: new Blob([new Uint8Array(bytes)]),
        stream: streamOf(bytes, 300_000),
        url: new URL(`data:application/octet-stream;base64,${btoa(String.fromCharCode(...bytes.subarray(0, 40_000)))}`),
      }
      for (const [kind, source] of Object.entries(sources)) {
        const events: SaveProgress[] = []
        const info = await store.save(`from-${kind}`, source, { onProgress: (p) => events.push(p) })
        const expected = kind === 'url' ? bytes.subarray(0, 40_000) : bytes
        assertBytesEqual(await store.read(info), expected, `${kind} bytes`)
        assert(events.length > 0, `${kind}: progress events were reported`)
        assert(
          events.every((e, i) => i === 0 || e.loaded > events[i - 1]!.loaded),
          `${kind}: progress only grows`,
        )
        assertEqual(events.at(-1)!.loaded, expected.length, `${kind}: the last progress event is the whole file`)
        if (kind === 'blob') assertEqual(events[0]!.total, bytes.length, 'a Blob tells its total size')
      }
    },
  },
  {
    name: 'latest is the newest version, and moves to the newest remaining one on delete',
    async run(h) {
      const store = await h.fresh()
      const first = await store.save('m', bytesOf(100, 1))
      const second = await store.save('m', bytesOf(100, 2))
      const third = await store.save('m', bytesOf(100, 3))
      assertEqual(
        (await store.list('m')).map((m) => m.version),
        [first.version, second.version, third.version],
        'list order',
      )
      assert(first.version < second.version && second.version < third.version, 'new versions sort by creation time')
      assertEqual((await store.get('m:latest')).version, third.version, 'latest')
      await store.delete('m:latest')
      assertEqual((await store.get('m')).version, second.version, 'latest after deleting the newest')
      await store.delete(`m:${first.version}`)
      assertEqual((await store.get('m')).version, second.version, 'latest after deleting an older one')
      await store.delete('m')
      await assertRejects(() => store.get('m'), NotFound, /No model named "m"/, 'get after deleting all')
      assertEqual(await store.list(), [], 'the store is empty')
    },
  },
  {
    name: 'an ambiguous version prefix is refused with the candidates, an unknown one is not found',
    async run(h) {
      const store = await h.fresh()
      await store.save('p', bytesOf(10), { version: 'v1-a' })
      await store.save('p', bytesOf(10), { version: 'v1-b' })
      await assertRejects(() => store.get('p:v1'), Conflict, /ambiguous.*v1-a, v1-b/, 'ambiguous prefix')
      await assertRejects(() => store.get('p:v2'), NotFound, /No version of "p" matches/, 'unknown prefix')
      assertEqual((await store.get('p:v1-b')).version, 'v1-b', 'exact version')
      await assertRejects(
        () => store.save('p', bytesOf(10), { version: 'v1-a' }),
        Conflict,
        /already exists/,
        'saving a taken version',
      )
      await assertRejects(
        () => store.save('p', bytesOf(10), { version: 'latest' }),
        BadInput,
        /cannot be a version/,
        'latest as a version',
      )
    },
  },
  {
    name: 'bad tags and file names are refused with the rule they break',
    async run(h) {
      const store = await h.fresh()
      for (const [tag, rule] of BAD_TAGS) {
        await assertRejects(() => store.get(tag), BadInput, rule, `get("${tag}")`)
        const [name, version] = tag.split(':')
        if (!tag.includes(':') || tag === 'ok:Bad') {
          await assertRejects(
            () => store.save(name ?? '', bytesOf(4), version ? { version } : {}),
            BadInput,
            rule,
            `save("${tag}")`,
          )
        }
      }
      for (const file of ['../x.onnx', '/etc/passwd', 'a/b', '..', 'model.json']) {
        await assertRejects(
          () => store.save('f', bytesOf(4), { file }),
          BadInput,
          /file name|reserved/,
          `file "${file}"`,
        )
      }
      assertEqual(await store.list(), [], 'nothing was written')
    },
  },
  {
    name: 'a flipped byte is caught by verify and refused on read',
    async run(h) {
      const store = await h.fresh()
      const info = await store.save('flip', bytesOf(50_000), {
        files: { 'vocab.txt': new TextEncoder().encode('a\nb\n') },
      })
      assertEqual((await store.verify('flip')).ok, true, 'a fresh model verifies')
      await h.flipByte(store, 'flip', info.version, 'model.onnx', 12_345)
      const report = await store.verify('flip')
      assertEqual(report.ok, false, 'verify after the flip')
      assertEqual(report.problems, ['model.onnx: sha256 mismatch'], 'the damaged file is named')
      await assertRejects(() => store.read('flip'), Corrupted, /does not match its sha256/, 'read after the flip')
      assertEqual(
        new TextDecoder().decode(await store.read('flip', 'vocab.txt')),
        'a\nb\n',
        'the intact extra file still reads',
      )
    },
  },
  {
    name: 'export and import round-trip every file, byte for byte, and importing twice is harmless',
    async run(h) {
      const source = await h.fresh()
      const info = await source.save('round', bytesOf(70_000, 3), {
        files: { 'keys.txt': new TextEncoder().encode('x y z') },
        signatures: { run: { batchable: true, batchDim: [1, 0] } },
      })
      const archive = await source.export('round')
      assertBytesEqual(await source.export(`round:${info.version}`), archive, 'exporting twice gives the same bytes')
      const target = await h.fresh()
      assertEqual(await target.import(archive), info, 'imported manifest')
      assertEqual(
        await target.import(new Blob([new Uint8Array(archive)])),
        info,
        'importing again returns the same version',
      )
      assertBytesEqual(await target.read('round'), bytesOf(70_000, 3), 'model bytes after import')
      assertEqual(
        (await target.get('round')).signatures,
        { run: { batchable: true, batchDim: [1, 0] } },
        'signatures survive',
      )
      assertEqual(await target.list(), [info], 'exactly one version')
    },
  },
  {
    name: 'a damaged or truncated archive is refused and leaves the store as it was',
    async run(h) {
      const source = await h.fresh()
      await source.save('arc', bytesOf(20_000, 5))
      const archive = await source.export('arc')
      const target = await h.fresh()
      const kept = await target.save('kept', bytesOf(10))
      const damaged = archive.slice()
      damaged[indexOf(archive, bytesOf(20_000, 5).subarray(0, 64)) + 9_000]! ^= 0xff // inside the model's bytes
      await assertRejects(() => target.import(damaged), Corrupted, /does not match the sha256/, 'damaged archive')
      await assertRejects(
        () => target.import(archive.slice(0, 5_000)),
        Corrupted,
        /truncated|not a readable/,
        'truncated archive',
      )
      await assertRejects(
        () => target.import(bytesOf(3000)),
        Corrupted,
        /not a readable|no model.json|truncated/,
        'random bytes',
      )
      assertEqual(await target.list(), [kept], 'the store holds only what it held before')
    },
  },
  {
    name: 'archive entries or manifests that try to leave the store, or are not plain files, are refused',
    async run(h) {
      const source = await h.fresh()
      const info = await source.save('evil', bytesOf(1000))
      const manifest = new TextEncoder().encode(JSON.stringify(info))
      const data = bytesOf(1000)
      const named = (name: string): TarEntry[] => [
        { name: 'model.json', data: manifest },
        { name, data },
      ]
      // The second entry's header, rewritten after packing: what a hand-made tar can say that packTar cannot.
      const second = 512 + Math.ceil(manifest.length / 512) * 512
      const asManifest = (changes: object): TarEntry[] => [
        { name: 'model.json', data: new TextEncoder().encode(JSON.stringify({ ...info, ...changes })) },
        { name: 'model.onnx', data },
      ]
      const file = info.files['model.onnx']!
      const hostile: [string, Uint8Array][] = [
        ['dot-dot', packTar(named('../model.onnx'), 0)],
        ['absolute', packTar(named('/tmp/model.onnx'), 0)],
        ['folder', packTar(named('sub/model.onnx'), 0)],
        ['symlink', rewriteHeader(packTar(named('model.onnx'), 0), second, { type: '2', link: '/etc/passwd' })],
        ['hard link', rewriteHeader(packTar(named('model.onnx'), 0), second, { type: '1', link: '../../outside' })],
        ['dot-dot in the ustar prefix', rewriteHeader(packTar(named('model.onnx'), 0), second, { prefix: '..' })],
        ['manifest naming the model ../evil', packTar(asManifest({ name: '../evil' }), 0)],
        ['manifest naming the version /tmp/x', packTar(asManifest({ version: '/tmp/x' }), 0)],
        ['manifest with no version', packTar(asManifest({ version: undefined }), 0)],
        [
          'manifest listing ../model.onnx',
          packTar(asManifest({ file: '../model.onnx', files: { '../model.onnx': file } }), 0),
        ],
      ]
      const target = await h.fresh()
      for (const [what, tar] of hostile) {
        const error = await assertRejects(
          () => target.import(tar),
          Error,
          /file name|only regular files|lacks|tag (name|version)|must be strings/,
          what,
        )
        assert(error instanceof BadInput || error instanceof Corrupted, `${what}: refused as bad input or damage`)
      }
      assertEqual(await target.list(), [], 'nothing was imported')
    },
  },
  {
    name: 'concurrent saves all land, and latest is the newest; one version saved twice at once lands once',
    async run(h) {
      const store = await h.fresh()
      const saved = await Promise.all(Array.from({ length: 8 }, (_, i) => store.save('busy', bytesOf(20_000, i + 1))))
      const listed = await store.list('busy')
      assertEqual(listed.length, 8, 'all saves are listed')
      assertEqual((await store.get('busy')).version, listed.at(-1)!.version, 'latest is the last listed')
      for (const info of saved)
        assertEqual((await store.verify(`busy:${info.version}`)).ok, true, `busy:${info.version} verifies`)
      const racers = await Promise.allSettled(
        [1, 2, 3, 4].map((seed) => store.save('race', bytesOf(30_000, seed), { version: 'v1' })),
      )
      const won = racers.filter((r) => r.status === 'fulfilled')
      assertEqual(won.length, 1, 'exactly one save of race:v1 wins')
      for (const r of racers)
        if (r.status === 'rejected') assert(r.reason instanceof Conflict, 'the others are conflicts')
      const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<ModelStore['save']>>>).value
      assertEqual((await store.get('race:v1')).sha256, winner.sha256, "the stored bytes are the winner's")
      assertEqual((await store.verify('race:v1')).ok, true, 'race:v1 verifies')
    },
  },
  {
    name: 'a save that fails part-way, or is aborted, leaves nothing behind',
    async run(h) {
      const store = await h.fresh()
      const before = await store.save('half', bytesOf(100))
      const failing = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(bytesOf(100_000))
          controller.error(new Error('network gone'))
        },
      })
      await assertRejects(() => store.save('half', failing), Error, /network gone/, 'a stream that fails')
      const controller = new AbortController()
      controller.abort(new Error('user cancelled'))
      await assertRejects(
        () => store.save('half', bytesOf(3_000_000), { signal: controller.signal }),
        Error,
        /cancelled/,
        'aborted save',
      )
      assertEqual(await store.list(), [before], 'only the earlier version is there')
      assertEqual(await store.get('half:latest'), before, 'latest is unchanged')
    },
  },
  {
    name: 'signatures accept an axis or an [input, output] pair, and bad ones are refused',
    async run(h) {
      const store = await h.fresh()
      const info = await store.save('sig', bytesOf(10), {
        signatures: { run: { batchable: true, batchDim: 1 }, embed: { batchable: true, batchDim: [0, 1] } },
      })
      assertEqual(
        info.signatures,
        { run: { batchable: true, batchDim: [1, 1] }, embed: { batchable: true, batchDim: [0, 1] } },
        'signatures',
      )
      await assertRejects(
        () => store.save('sig', bytesOf(10), { signatures: { run: { batchDim: -1 } } }),
        BadInput,
        /batchDim/,
        'negative axis',
      )
      await assertRejects(
        () => store.save('sig', bytesOf(10), { labels: { 'bad key!': 'x' } }),
        BadInput,
        /label key/,
        'bad label',
      )
    },
  },
]

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  throw new Error('needle not found')
}

/** Rewrites one header of a tar (its type and link target, or its ustar name prefix), fixing its checksum. */
function rewriteHeader(
  tar: Uint8Array,
  offset: number,
  change: { type?: string; link?: string; prefix?: string },
): Uint8Array {
  const out = tar.slice()
  const encoder = new TextEncoder()
  if (change.type) out[offset + 156] = change.type.charCodeAt(0)
  if (change.link) out.set(encoder.encode(change.link), offset + 157)
  if (change.prefix) out.set(encoder.encode(change.prefix), offset + 345)
  out.fill(0x20, offset + 148, offset + 156)
  let sum = 0
  for (let i = 0; i < 512; i++) sum += out[offset + i]!
  out.set(encoder.encode(sum.toString(8).padStart(6, '0') + '\0 '), offset + 148)
  return out
}
