using System.Collections.Concurrent;
using Berth.Runtime.Store;

namespace Berth.Runtime.Pods;

/// <summary>The pods the agent owns, on disk and in memory, with one lock per pod: every change
/// to a pod (play, sync, down) happens under its lock, never under a global one.</summary>
public sealed class PodRecords
{
    private readonly RecordStore<PodRecord> store;
    private readonly ConcurrentDictionary<string, PodRecord> pods = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> locks = new();

    public PodRecords(string directory)
    {
        store = new RecordStore<PodRecord>(directory);
        foreach (var pod in store.LoadAll())
        {
            pods[pod.Uid] = pod;
        }
    }

    public IReadOnlyCollection<PodRecord> All => [.. pods.Values.OrderBy(p => p.CreatedAt)];

    public PodRecord? Get(string uid) => pods.GetValueOrDefault(uid);

    public IEnumerable<string> Uids => pods.Keys;

    /// <summary>The pod's own directory (volumes, subPaths, user namespace), beside its record.</summary>
    public string DirectoryOf(string uid) => Path.Combine(store.Directory, uid);

    /// <summary>"name", "namespace/name" or a uid (or its unique prefix).</summary>
    public PodRecord? Find(string reference)
    {
        var slash = reference.IndexOf('/');
        var (ns, name) = slash < 0 ? (null, reference) : (reference[..slash], reference[(slash + 1)..]);
        var byName = All.Where(p => p.Name == name && (ns is null || p.Namespace == ns)).ToList();
        if (byName.Count == 1)
        {
            return byName[0];
        }

        return Ids.Resolve(reference, Uids) is { } uid ? Get(uid) : null;
    }

    public async Task<PodRecord> SaveAsync(PodRecord pod, CancellationToken ct)
    {
        await store.SaveAsync(pod.Uid, pod, ct);
        pods[pod.Uid] = pod;
        return pod;
    }

    public void Delete(string uid)
    {
        store.Delete(uid);
        pods.TryRemove(uid, out _);
    }

    public async Task<IDisposable> LockAsync(string uid, CancellationToken ct)
    {
        var gate = locks.GetOrAdd(uid, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Releaser(gate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
