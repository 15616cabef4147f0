/** An agent's page on the team review desk (`dreamgate serve`), from the address the fleet config gives it. */
export function agentPageUrl(deskUrl: string, agent: string): string {
  return `${deskUrl.replace(/\/+$/, '')}/agents/${encodeURIComponent(agent)}/`;
}
