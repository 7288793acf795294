// Prometheus text exposition (format 0.0.4) of counters and gauges with labels, for the services' /metrics.
/** Prometheus text exposition of counters and gauges with labels. */
export class Metrics {
  private readonly values = new Map<string, { help: string; type: "counter" | "gauge"; series: Map<string, number> }>();

  define(name: string, type: "counter" | "gauge", help: string): void {
    if (!this.values.has(name)) this.values.set(name, { help, type, series: new Map() });
  }

  private key(labels: Record<string, string | number>): string {
    return Object.entries(labels)
      .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, "_")}"`)
      .join(",");
  }

  inc(name: string, labels: Record<string, string | number> = {}, by = 1): void {
    const metric = this.values.get(name);
    if (!metric) throw new Error(`metric ${name} is not defined`);
    const key = this.key(labels);
    metric.series.set(key, (metric.series.get(key) ?? 0) + by);
  }

  set(name: string, labels: Record<string, string | number>, value: number): void {
    const metric = this.values.get(name);
    if (!metric) throw new Error(`metric ${name} is not defined`);
    metric.series.set(this.key(labels), value);
  }

  get(name: string, labels: Record<string, string | number> = {}): number {
    return this.values.get(name)?.series.get(this.key(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, metric] of this.values) {
      lines.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
      for (const [labels, value] of metric.series) lines.push(`${name}${labels ? `{${labels}}` : ""} ${value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
