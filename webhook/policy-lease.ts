// Leader election over a coordination.k8s.io Lease, as client-go's leaderelection does it: the holder renews the
// lease every third of its duration; another replica takes it over only once it has gone unrenewed for the whole
// duration. Every write carries the resourceVersion it read, so two replicas racing for it cannot both win.
import {
  ApiException,
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface LeaseOptions {
  namespace: string;
  name: string;
  /** Unique per replica: the pod name, or host and process id outside a pod. */
  identity: string;
  durationSeconds?: number;
  /** Called when this replica becomes the leader (true) or stops being it (false). */
  onChange: (leader: boolean) => void;
}

const DEFAULT_DURATION_SECONDS = 15;

export class LeaseElector {
  readonly #api: CoordinationV1Api;
  readonly #duration: number;
  #leader = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    config: KubeConfig,
    private readonly options: LeaseOptions,
    private readonly log: Logger,
  ) {
    this.#api = config.makeApiClient(CoordinationV1Api);
    this.#duration = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  }

  get leader(): boolean {
    return this.#leader;
  }

  start(): void {
    void this.#tick();
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let leader = false;
    try {
      leader = await this.#tryAcquireOrRenew();
    } catch (error) {
      this.log.warn({ err: (error as Error).message.split('\n', 1)[0] }, 'policy lease: renewal failed');
    }
    if (this.#stopped) return;
    this.#set(leader);
    this.#timer = setTimeout(() => void this.#tick(), (this.#duration * 1000) / 3);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    // Lease times are MicroTime: the API server refuses a plain Date's millisecond form.
    const now = new V1MicroTime();
    let lease: V1Lease;
    try {
      lease = await this.#api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
      return this.#write(() =>
        this.#api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: this.#duration,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        }),
      );
    }
    const spec = lease.spec ?? {};
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? this.#duration) * 1000 < now.getTime();
    const mine = spec.holderIdentity === identity;
    if (!mine && !expired && spec.holderIdentity) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.#duration,
      renewTime: now,
      ...(mine ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    return this.#write(() => this.#api.replaceNamespacedLease({ name, namespace, body: lease }));
  }

  // A 409 means another replica wrote first: it holds the lease now.
  async #write(request: () => Promise<V1Lease>): Promise<boolean> {
    try {
      await request();
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) return false;
      throw error;
    }
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.log.info(
      { lease: this.options.name, identity: this.options.identity, leader },
      'policy lease changed hands',
    );
    this.options.onChange(leader);
  }

  /** Stops renewing and, when holding the lease, gives it up so another replica takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#leader) return;
    this.#set(false);
    const { namespace, name } = this.options;
    try {
      const lease = await this.#api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: undefined, renewTime: new V1MicroTime(0) };
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch (error) {
      this.log.debug({ err: (error as Error).message.split('\n', 1)[0] }, 'policy lease: release failed');
    }
  }
}
