import type { Db } from '../db/database.js';
import { listPolicyVersions } from '../db/repositories/reference.js';
import { loadPack } from '../policies/loader.js';
import type { PolicyPack } from '../policies/types.js';

/**
 * Policy versions as the engine sees them: validated packs keyed by version id, read
 * from policy_versions. A stored version is immutable once used, so caching is safe; the
 * list is re-read after `ttlMs` so versions added at run time (issue 4) are picked up.
 */
export class PolicyStore {
  private cache: { at: number; byId: Map<string, PolicyPack> } | null = null;
  private loading: Promise<Map<string, PolicyPack>> | null = null;

  constructor(
    private readonly db: Db,
    private readonly ttlMs = 5_000,
  ) {}

  async all(): Promise<PolicyPack[]> {
    return [...(await this.map()).values()];
  }

  async get(id: string): Promise<PolicyPack | undefined> {
    const hit = (await this.map()).get(id);
    if (hit) return hit;
    this.cache = null;
    return (await this.map()).get(id);
  }

  /** Forget the cached list: the next read sees versions added a moment ago. */
  invalidate(): void {
    this.cache = null;
  }

  private async map(): Promise<Map<string, PolicyPack>> {
    if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.byId;
    this.loading ??= (async () => {
      try {
        const rows = await listPolicyVersions(this.db);
        const byId = new Map(rows.map((r) => [r.id, loadPack(r.pack, `policy_versions/${r.id}`)] as const));
        this.cache = { at: Date.now(), byId };
        return byId;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}
