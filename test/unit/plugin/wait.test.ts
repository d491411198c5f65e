// `kubectl workflowrun wait`: blocking until a run completes. The flags block builds the command with a runF that
// captures the options it would run with; the run block runs it against the fake API server, output compared with
// golden files.
import { expect } from 'chai';

import { newWaitCommand, type WaitOptions } from '../../../kubectl-plugin/commands/wait.ts';
import {
  FakeKube,
  expectGolden,
  frames,
  parseFlags,
  run,
  withoutDependencies,
} from '../../support/plugin-fakes.ts';
import { runFixtures } from '../../support/plugin-objects.ts';

describe('plugin wait', () => {
  describe('flags', () => {
    it('defaults to --for succeeded and no timeout', async () => {
      const { options } = await parseFlags<WaitOptions>(newWaitCommand, ['run-1']);
      expect(withoutDependencies(options)).to.deep.include({ name: 'run-1', for: 'succeeded', timeoutMs: 0 });
    });
    it('takes --for completed and --timeout', async () => {
      const { options } = await parseFlags<WaitOptions>(newWaitCommand, [
        'run-1',
        '--for=completed',
        '--timeout=90',
      ]);
      expect(withoutDependencies(options)).to.deep.include({ for: 'completed', timeoutMs: 90_000 });
    });
    it('refuses --for=started', async () => {
      expect((await parseFlags<WaitOptions>(newWaitCommand, ['r', '--for=started'])).code).to.equal(2);
    });
  });

  describe('run', () => {
    const runs = runFixtures();
    const stored = (name: string) => {
      const object = structuredClone(runs.get(name)!);
      return { object, name: (object.metadata as { name: string }).name };
    };

    /** `fixture` as a state of the run named `name`. */
    const renamed = (fixture: string, name: string) => {
      const object = stored(fixture).object;
      (object.metadata as { name: string }).name = name;
      return object;
    };

    it('exit 0 for a succeeded run: its line, then the final status line', async () => {
      const { object, name } = stored('succeeded');
      const { code, stdout } = await run(new FakeKube().add(object), ['wait', name]);
      expect(code).to.equal(0);
      expectGolden('wait/succeeded.txt', stdout);
      expect(stdout.endsWith(`\nworkflowrun.openchoreo.dev/${name} Succeeded\n`)).to.equal(true);
    });

    it('exit 1 for a failed run, with the failure message', async () => {
      const { object, name } = stored('failed');
      const { code, stdout } = await run(new FakeKube().add(object), ['wait', name]);
      expect(code).to.equal(1);
      expectGolden('wait/failed.txt', stdout);
    });

    it('--for=completed: exit 0 for a failed run', async () => {
      const { object, name } = stored('failed');
      const { code } = await run(new FakeKube().add(object), ['wait', name, '--for=completed']);
      expect(code).to.equal(0);
    });

    it('without a terminal follows watch events with a line per change, as describe --watch prints them', async () => {
      const pending = stored('first-reconcile');
      const kube = new FakeKube().add(pending.object);
      kube.watchEvents = [
        { type: 'MODIFIED', object: renamed('running', pending.name) },
        // An update that changes nothing shown (here: nothing at all) prints no line.
        { type: 'MODIFIED', object: renamed('running', pending.name) },
        { type: 'MODIFIED', object: renamed('succeeded', pending.name) },
      ];
      const { code, stdout } = await run(kube, ['wait', pending.name]);
      expect(code).to.equal(0);
      expectGolden('wait/watch-lines.txt', stdout);
      const watched = new FakeKube().add(pending.object);
      watched.watchEvents = kube.watchEvents;
      const describeWatch = await run(watched, ['describe', pending.name, '-w']);
      expect(stdout).to.equal(
        `${describeWatch.stdout}workflowrun.openchoreo.dev/${pending.name} Succeeded\n`,
      );
      expect(kube.requests.find((r) => r.verb === 'watch')?.fieldSelector).to.equal(
        `metadata.name=${pending.name}`,
      );
    });

    it('on a terminal redraws status, conditions and tasks while it waits, then prints the status line', async () => {
      const pending = stored('first-reconcile');
      const kube = new FakeKube().add(pending.object);
      kube.watchEvents = [{ type: 'MODIFIED', object: renamed('succeeded', pending.name) }];
      const { code, stdout } = await run(kube, ['wait', pending.name], { tty: true });
      expect(code).to.equal(0);
      const shown = frames(stdout);
      expect(shown).to.have.length(2);
      expect(shown[0]).to.match(/^Name: +\S+\nStatus: +\S+/);
      expect(shown[1]).to.include('Conditions:').and.include('Tasks:');
      expect(shown[1]!.endsWith(`\nworkflowrun.openchoreo.dev/${pending.name} Succeeded\n`)).to.equal(true);
    });

    it('exit 1 on timeout, naming the last status', async () => {
      const { object, name } = stored('running');
      const { code, stdout, stderr } = await run(new FakeKube().add(object), [
        'wait',
        name,
        '--timeout',
        '50ms',
      ]);
      expect(code).to.equal(1);
      expect(stdout).to.match(new RegExp(`^${name} Running [^\n]*\n$`));
      expect(stderr).to.equal(
        `error: timed out after 50ms waiting for workflowrun "${name}" (status: Running)\n`,
      );
    });

    it('polls when the server refuses to watch', async () => {
      const { object, name } = stored('running');
      const kube = new FakeKube().add(object);
      kube.watchRefused = true;
      const { code } = await run(kube, ['wait', name, '--timeout', '100ms']);
      expect(code).to.equal(1);
      expect(kube.requests.filter((r) => r.verb === 'get').length).to.be.greaterThan(0);
    });

    it('exit 1 when the run is deleted while waiting', async () => {
      const { object, name } = stored('running');
      const kube = new FakeKube().add(object);
      kube.watchEvents = [{ type: 'DELETED', object }];
      const { code, stderr } = await run(kube, ['wait', name]);
      expect(code).to.equal(1);
      expect(stderr).to.equal(`error: workflowrun "${name}" was deleted while waiting for it\n`);
    });

    it('exit 1 for a missing run, one line', async () => {
      const { code, stderr } = await run(new FakeKube(), ['wait', 'ghost', '-n', 'team-a']);
      expect(code).to.equal(1);
      expect(stderr).to.equal('error: workflowrun "ghost" not found in namespace "team-a"\n');
    });
  });
});
