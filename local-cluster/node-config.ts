// Configuration of the single-node cluster (node.ts): its network plan, and the files and flags of containerd,
// the CNI bridge, the kubelet, kube-controller-manager and kube-scheduler. Pure functions of the node's folder, so
// a unit test can check every setting this machine needs (test/unit/node-config.test.ts).
import { join } from 'node:path';
import { stringify } from 'yaml';

// Every address lives in 10.251.252.0/22, which the node refuses to use when the machine routes any of it already.
// The node's processes run in a network namespace of their own with no default route; the only way in or out is a
// veth pair whose host end holds a /30, and nothing masquerades.
export const NODE_NETWORK = {
  namespace: 'ocwr-node',
  hostLink: 'ocwr-host',
  nodeLink: 'ocwr-node',
  // The veth pair's /30: the host end and the node IP, which the kubelet announces and the kubeconfig uses.
  linkSubnet: '10.251.255.0/30',
  hostAddress: '10.251.255.1',
  nodeAddress: '10.251.255.2',
  // Services get IPs from here. No kube-proxy: the kubernetes Service's IP (the first one) is an address of the
  // namespace and the apiserver listens on its port, 443, so pods reach the API server there directly.
  serviceSubnet: '10.251.252.0/24',
  kubernetesServiceIp: '10.251.252.1',
  apiserverPort: 443,
  // Pods, on a bridge inside the namespace. Their only route besides the bridge is to the Service IPs.
  podSubnet: '10.251.254.0/24',
  podGateway: '10.251.254.1',
  bridge: 'cni-ocwr',
  // The whole plan, for the check that the machine uses none of it.
  reservedRange: '10.251.252.0/22',
} as const;

export const NODE_NAME = 'ocwr-node';

// Where each component keeps its files inside the node's folder.
export function nodePaths(dir: string) {
  return {
    containerdConfig: join(dir, 'containerd', 'config.toml'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    runcRoot: join(dir, 'containerd', 'runc'),
    cniConfigDir: join(dir, 'cni', 'net.d'),
    cniIpamDir: join(dir, 'cni', 'ipam'),
    kubeletConfig: join(dir, 'kubelet', 'config.yaml'),
    kubeletRoot: join(dir, 'kubelet', 'root'),
    podLogs: join(dir, 'kubelet', 'pods'),
    volumePlugins: join(dir, 'kubelet', 'volume-plugins'),
    images: join(dir, 'images'),
  };
}

export function containerdConfig(dir: string, sandboxImage: string): string {
  const paths = nodePaths(dir);
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${JSON.stringify(paths.containerdRoot)}`,
    `state = ${JSON.stringify(paths.containerdState)}`,
    // Snapshotters this machine cannot use only log errors at start-up.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
    '  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    '[grpc]',
    `  address = ${JSON.stringify(paths.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${paths.containerdSocket}.ttrpc`)}`,
    `[${cri}]`,
    // Built here: no registry is reachable, so nothing may be pulled.
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    // Lowering oom_score_adj is not permitted on this kind of machine; without this runc fails with
    // "can't get final child's PID from pipe".
    '  restrict_oom_score_adj = true',
    // Pod network namespaces under our state folder instead of /var/run/netns, so stopping leaves nothing there.
    '  netns_mounts_under_state_dir = true',
    '  enable_selinux = false',
    `  [${cri}.containerd]`,
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    `  [${cri}.containerd.runtimes.runc]`,
    '    runtime_type = "io.containerd.runc.v2"',
    `  [${cri}.containerd.runtimes.runc.options]`,
    // cgroup v1 and no systemd managing this folder's processes: plain cgroupfs, as the kubelet's cgroupDriver.
    '    SystemdCgroup = false',
    `    Root = ${JSON.stringify(paths.runcRoot)}`,
    `  [${cri}.cni]`,
    // Debian's containernetworking-plugins.
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = ${JSON.stringify(paths.cniConfigDir)}`,
    '    max_conf_num = 1',
    '',
  ].join('\n');
}

// A bridge with host-local addresses. No default route and no masquerading: pods reach each other, the node and the
// Service IPs (which are local addresses of the node's namespace), and nothing else.
export function cniConfig(dir: string): object {
  return {
    cniVersion: '0.4.0',
    name: 'ocwr-pods',
    plugins: [
      {
        type: 'bridge',
        bridge: NODE_NETWORK.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: nodePaths(dir).cniIpamDir,
          ranges: [[{ subnet: NODE_NETWORK.podSubnet, gateway: NODE_NETWORK.podGateway }]],
          routes: [{ dst: NODE_NETWORK.serviceSubnet }],
        },
      },
    ],
  };
}

export function kubeletConfig(dir: string, clientCaPath: string): string {
  const paths = nodePaths(dir);
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // The machine has cgroup v1, which 1.35 refuses by default, and no systemd-managed cgroups for us.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    address: NODE_NETWORK.nodeAddress,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    // Only client certificates of our CA (the API server's admin certificate) may call the kubelet's API.
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: clientCaPath },
    },
    authorization: { mode: 'AlwaysAllow' },
    podLogsDir: paths.podLogs,
    volumePluginDir: paths.volumePlugins,
    // No DNS server exists in the node's network; pods get an empty resolv.conf rather than the machine's.
    resolvConf: '',
    failSwapOn: false,
    // A test node on a shared machine: never evict pods or reclaim images because the disk fills up elsewhere.
    enforceNodeAllocatable: [],
    evictionHard: {},
    imageGCHighThresholdPercent: 100,
    localStorageCapacityIsolation: false,
    // Faster status: the tests wait for Ready and for pods to go.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    // A Secret's change reaches the pods' mounted files within this (certificate rotation).
    configMapAndSecretChangeDetectionStrategy: 'Watch',
  });
}

export function kubeletArgs(dir: string, kubeconfigPath: string): string[] {
  const paths = nodePaths(dir);
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${kubeconfigPath}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--hostname-override=${NODE_NAME}`,
    // The kubelet refuses a loopback node IP; this one is on the veth end inside the namespace.
    `--node-ip=${NODE_NETWORK.nodeAddress}`,
    `--cert-dir=${join(paths.kubeletRoot, 'pki')}`,
  ];
}

// The controllers a node needs (ReplicaSets, EndpointSlices for the webhook's Service, ServiceAccounts, the
// kube-root-ca.crt ConfigMap that API tokens mount, disruption budgets, garbage collection), on loopback in the
// namespace. One instance, so no leader election.
export function controllerManagerArgs(options: {
  dir: string;
  kubeconfigPath: string;
  caPath: string;
  serviceAccountKeyPath: string;
}): string[] {
  return [
    `--kubeconfig=${options.kubeconfigPath}`,
    `--root-ca-file=${options.caPath}`,
    `--service-account-private-key-file=${options.serviceAccountKeyPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=10257',
    `--service-cluster-ip-range=${NODE_NETWORK.serviceSubnet}`,
    // Otherwise it creates /usr/libexec/kubernetes/kubelet-plugins/volume/exec on the machine.
    `--flex-volume-plugin-dir=${nodePaths(options.dir).volumePlugins}`,
    // A pod's endpoint goes when it is deleted; this only shortens how long a lost node's pods count as Ready.
    '--node-monitor-grace-period=20s',
  ];
}

export function schedulerArgs(kubeconfigPath: string): string[] {
  return [
    `--kubeconfig=${kubeconfigPath}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=10259',
  ];
}

// kube-apiserver flags on top of the control plane's own for a node. The webhook's Service is called at its
// endpoint (pod) addresses, so no kube-proxy is needed. `kubectl logs` reaches the kubelet at the node IP (its
// name resolves nowhere) with the admin certificate, which the kubelet's client CA signed.
export function nodeApiserverArgs(pkiDir: string): string[] {
  return [
    '--enable-aggregator-routing=true',
    '--kubelet-preferred-address-types=InternalIP',
    `--kubelet-client-certificate=${join(pkiDir, 'admin.crt')}`,
    `--kubelet-client-key=${join(pkiDir, 'admin.key')}`,
  ];
}

// Places on the machine that the node's programs create whatever their flags say (the kubelet's device-plugin
// socket and container log links, libcni's result cache, containerd's shim sockets, ip's netns folder, buildah's
// CNI folder and blob cache). Those absent before the node starts are removed when it stops.
export const MACHINE_PATHS = [
  '/var/lib/kubelet',
  '/var/log/containers',
  '/var/lib/cni',
  '/run/containerd',
  '/run/netns',
  '/etc/cni',
  '/var/lib/containers',
  '/run/containers',
];

// True when two IPv4 CIDRs share an address.
export function cidrsOverlap(a: string, b: string): boolean {
  const [aStart, aEnd] = cidrRange(a);
  const [bStart, bEnd] = cidrRange(b);
  return aStart <= bEnd && bStart <= aEnd;
}

function cidrRange(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  }
  const start = octets.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - Number(bits));
  const first = start - (start % size);
  return [first, first + size - 1];
}
