/**
 * The mock buyer's mailbox: the messages Leadwire sent through the local `send_email` binding.
 * Locally (wrangler dev, the workerd tests) miniflare does not send mail: it checks the message
 * (a parsable MIME message whose From matches the envelope, with a Message-ID) and stores it as
 * an .eml file under its temporary directory, `<os.tmpdir()>/miniflare-<random>/files/email/`.
 * This reads those files back, found by a string they contain (a Message-ID is unique).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StoredMail {
  file: string;
  raw: string;
}

/**
 * Stored mails containing `needle` (a Message-ID or delivery id: unique to one run), oldest first.
 * Not filtered by age: a file's time is the kernel's real clock, while the process asking may run
 * under a faked one (`npm run test:clocks`), so "the last hour" would mean nothing.
 */
export async function storedMails(needle: string): Promise<StoredMail[]> {
  const root = tmpdir();
  const found: { file: string; raw: string; at: number }[] = [];
  let dirs: string[];
  try {
    dirs = (await readdir(root)).filter((d) => d.startsWith("miniflare-"));
  } catch {
    return [];
  }
  for (const d of dirs) {
    const dir = join(root, d, "files", "email");
    let files: string[];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith(".eml"));
    } catch {
      continue;
    }
    for (const f of files) {
      const file = join(dir, f);
      try {
        const s = await stat(file);
        const raw = await readFile(file, "utf8");
        if (raw.includes(needle)) found.push({ file, raw, at: s.mtimeMs });
      } catch {
        // removed meanwhile (another run's miniflare cleaning up): not ours
      }
    }
  }
  return found.sort((a, b) => a.at - b.at).map(({ file, raw }) => ({ file, raw }));
}
