import type { AgentConfig } from "@anchorage/common/agent-config";
import { fileCallParams, type FileCallMethod } from "@anchorage/common/protocol/files";
import { RpcError } from "../rpc-error.ts";
import { confineToRoots, realRoots } from "../root-paths.ts";
import { applyEntries } from "./apply-entries.ts";
import { browseDir, listFolders } from "./browse-dir.ts";
import { readWholeFile } from "./read-file.ts";
import { scanTree } from "./scan-tree.ts";
import { writeFileAtomically } from "./write-file.ts";
import type { FileContext } from "./file-context.ts";
import { makeFolder } from "./make-folder.ts";
import { moveEntry } from "./move-entry.ts";
import { deleteIntoBackup } from "./delete-entry.ts";
import { assembleFile, assembleFiles, chunkFile, chunkFiles, clearStage, readChunk, readChunks, removeIntoBackup, seedStage, stageChunk, stageChunks } from "./transfer-files.ts";

export type CallAnswer = { result: unknown; body?: Uint8Array };

/**
 * One file call (protocol/files.ts): its params checked, every path confined to the roots, and
 * the answer as a small result plus, for reads and scans, bytes. `body` is a write's content.
 */
export async function handleFileCall(method: FileCallMethod, params: unknown, body: Uint8Array, ctx: FileContext, signal?: AbortSignal): Promise<CallAnswer> {
  const parsed = fileCallParams[method].safeParse(params ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RpcError("E-VALIDATION", issue ? `${issue.path.join(".") || "params"}: ${issue.message}` : `bad ${method} params`);
  }
  const p = parsed.data as Record<string, any>;
  const { config } = ctx;
  switch (method) {
    case "files.folders":
      return { result: await listFolders(config) };
    case "files.browse":
      return { result: await browseDir(p.path, config) };
    case "files.read": {
      const { result, body: bytes } = await readWholeFile(p.path, config, p.max_bytes);
      return { result, body: bytes };
    }
    case "files.write":
      if (body.length !== p.size) throw new RpcError("E-VALIDATION", `expected ${p.size} bytes of content, received ${body.length}`);
      return { result: await writeFileAtomically(p.path, body, config, { ifMatch: p.if_match, createOnly: p.create_only }) };
    case "files.scan": {
      const { real, exists } = await confineToRoots(p.path, config);
      // A missing folder is an error, never an empty tree: a sync from it would delete everything.
      if (!exists) throw new RpcError("E-NOT-FOUND", `${p.path}: no such folder`);
      const scan = await scanTree(real, { exclude: [...config.sync.exclude, ...p.exclude], verify: p.verify, cache: await ctx.scanCache(), signal });
      // Where the folder really is and the roots it may lead into: a compare judges the links it would write here.
      const confinement = { real, roots: await realRoots(config.roots) };
      return { result: null, body: new TextEncoder().encode(JSON.stringify({ ...scan, root: p.path, confinement })) };
    }
    case "files.chunks":
      return { result: null, body: new TextEncoder().encode(JSON.stringify(await chunkFile(p.path, config, signal))) };
    case "files.chunk.read":
      return { result: null, body: await readChunk(p.path, config, { offset: p.offset, length: p.length, sha256: p.sha256 }) };
    case "files.stage.have":
      return { result: { have: await seedStage(ctx.stagingRoot(), p.operation, p.seed, p.chunks, config, signal) } };
    case "files.stage.put":
      await stageChunk(ctx.stagingRoot(), p.operation, p.sha256, body);
      return { result: null };
    case "files.stage.clear":
      await clearStage(ctx.stagingRoot(), p.operation);
      return { result: null };
    // The hashes go into the cache in memory; the next scan (a sync's compare) writes it out, so a
    // batch does not rewrite the whole cache file. An agent stopped before then only hashes again.
    case "files.assemble":
      return { result: await assembleFile(ctx.stagingRoot(), p as any, config, { cache: await ctx.scanCache() }) };
    case "files.remove":
      return { result: await removeIntoBackup(p.path, config) };
    case "files.chunks.many":
      return { result: null, body: new TextEncoder().encode(JSON.stringify(await chunkFiles(p.paths, config, signal))) };
    case "files.chunk.read.many":
      return { result: null, body: await readChunks(p.reads, config) };
    case "files.stage.put.many":
      await stageChunks(ctx.stagingRoot(), p.operation, p.chunks, body);
      return { result: null };
    case "files.apply.many":
      return { result: { results: await applyEntries(p.entries, config) } };
    case "files.assemble.many":
      return { result: { files: await assembleFiles(ctx.stagingRoot(), p.operation, p.files, config, await ctx.scanCache()) } };
    case "files.mkdir":
      return { result: await makeFolder(p.path, config, { parents: p.parents }) };
    case "files.rename":
      return { result: await moveEntry(p.from, p.to, config) };
    case "files.delete":
      return { result: await deleteIntoBackup(p.path, config) };
  }
}
