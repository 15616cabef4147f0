import { describe, expect, it } from 'vitest';
import { agentPageUrl } from '../../../src/review/link.js';

describe("an agent's page on the team review desk", () => {
  it('sits under the configured address, whatever its trailing slashes, with the id escaped', () => {
    expect(agentPageUrl('https://desk.example.com', 'support-agent')).toBe(
      'https://desk.example.com/agents/support-agent/',
    );
    expect(agentPageUrl('https://desk.example.com/dg//', '@team')).toBe('https://desk.example.com/dg/agents/%40team/');
  });
});
