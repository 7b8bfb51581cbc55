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
