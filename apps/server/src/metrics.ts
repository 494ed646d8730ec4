/** A tiny Prometheus text-format registry: counters and gauges with labels, no dependencies. */
type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Holds metric families and renders them in the Prometheus text exposition format. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  /** Declares a metric family; declaring the same name twice keeps the first. */
  declare(name: string, type: 'counter' | 'gauge', help: string): void {
    if (!this.families.has(name)) this.families.set(name, { help, type, values: new Map() });
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const family = this.family(name);
    const key = labelKey(labels);
    const current = family.values.get(key);
    family.values.set(key, { labels, value: (current?.value ?? 0) + by });
  }

  set(name: string, labels: Labels, value: number): void {
    this.family(name).values.set(labelKey(labels), { labels, value });
  }

  /** Removes every series of every family carrying `label=value` (a deleted pipeline, say). */
  drop(label: string, value: string): void {
    for (const family of this.families.values()) {
      for (const [key, series] of family.values)
        if (series.labels[label] === value) family.values.delete(key);
    }
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.families) {
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const { labels, value } of family.values.values()) {
        const rendered = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        lines.push(
          `${name}${rendered ? `{${rendered}}` : ''} ${Number.isFinite(value) ? value : 0}`,
        );
      }
    }
    return lines.join('\n') + '\n';
  }

  private family(name: string): Family {
    const family = this.families.get(name);
    if (!family) throw new Error(`metric ${name} was not declared`);
    return family;
  }
}
