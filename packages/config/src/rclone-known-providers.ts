/**
 * The S3 provider names an installed rclone knows, parsed from `rclone help backend s3`
 * (the caller runs rclone; this stays pure). Empty when the output has no provider section.
 */
export function rcloneKnownProviders(helpOutput: string): string[] {
  const lines = helpOutput.split(/\r?\n/);
  const start = lines.findIndex((line) => /^#+\s+--s3-provider\s*$/.test(line.trim()));
  if (start < 0) return [];
  const providers: string[] = [];
  for (const line of lines.slice(start + 1)) {
    // The next option's heading ends the section; examples are `- "Name"` with the description below.
    if (/^#+\s/.test(line.trim())) break;
    const match = /^\s*-\s+"([^"]+)"\s*$/.exec(line);
    if (match?.[1] !== undefined && !providers.includes(match[1])) providers.push(match[1]);
  }
  return providers;
}
