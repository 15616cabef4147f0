import { Option, type Command } from 'commander';

/** `--stack <file>`: which local stack (ports, state) a command talks to. */
export const stackOption = new Option('--stack <file>', 'the local stack config').env('DREAMGATE_STACK_CONFIG');

/** `--fleet <file>`: the fleet config a command reads. */
export const fleetOption = new Option('--fleet <file>', 'the fleet config (default ./dreamgate.yml)').env(
  'DREAMGATE_FLEET',
);

/** `--key <file>`: the reviewer's SSH key that signs a decision. */
export const keyOption = new Option(
  '--key <file>',
  'sign the decision with this SSH key (a private key, or a public key whose private half is in ssh-agent)',
).env('DREAMGATE_SIGNING_KEY');

/** A command on a fleet's cycles: it reads the fleet config, talks to the stack and prints JSON on request. */
export function cycleCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .addOption(fleetOption)
    .addOption(stackOption)
    .option('--json', 'print as JSON');
}
