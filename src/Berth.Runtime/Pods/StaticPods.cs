using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Berth.Core.Manifests;
using Microsoft.Extensions.Logging;

namespace Berth.Runtime.Pods;

/// <summary>
/// Static pods, like the kubelet's staticPodPath: every Pod manifest (*.yaml, *.yml, *.json) in
/// <see cref="LifecycleOptions.ManifestsDir"/> runs as a pod whose <see cref="PodRecord.Source"/>
/// is "file:&lt;full path&gt;". Added files start pods, changed files recreate them, removed files
/// stop them. Pods played through the API (no source) are never touched.
/// </summary>
/// <remarks>
/// A static pod's uid is derived from the node name, the file's path and its bytes, as the kubelet
/// derives one from a hash of the pod and its source. The pod's identity is thus its content: a
/// changed file is a new uid, and an unchanged one finds its pod again after an agent restart or a
/// host reboot (whose records survive on disk and whose sandboxes the supervisor recreates), so it
/// is never started twice. A uid written in the file is replaced: otherwise an edit would not be
/// seen as a change.
/// </remarks>
public sealed class StaticPods(PodController pods, LifecycleOptions options, ILogger<StaticPods> logger)
{
    public const string SourcePrefix = "file:";

    /// <summary>Watchers miss events (overflow, a directory replaced), so the directory is also
    /// listed this often.</summary>
    public static readonly TimeSpan RescanInterval = TimeSpan.FromSeconds(2);

    /// <summary>Editors and copies write a file in several steps: let them finish before reading.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan RetryMax = TimeSpan.FromMinutes(1);

    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Uids (content hashes) already warned about, so a bad file is reported once, not
    /// at every rescan.</summary>
    private readonly HashSet<string> warned = [];

    /// <summary>Uids whose creation failed (an image not imported yet, a name already taken):
    /// retried with a doubling delay, since what was missing may appear. A manifest that is itself
    /// refused is not: see <see cref="refusedContent"/>.</summary>
    private readonly Dictionary<string, (DateTimeOffset NotBefore, TimeSpan Delay)> retries = [];

    /// <summary>The content (static uid) of each file whose manifest was refused: read again only
    /// when the file changes, as nothing on the node can make the same bytes valid.</summary>
    private readonly Dictionary<string, string> refusedContent = new(StringComparer.Ordinal);

    private bool missingReported;

    public static string SourceOf(string path) => SourcePrefix + path;

    /// <summary>
    /// The static pod uid of a file: the first 32 hex digits of
    /// sha256(node name + "\n" + path + "\n" + file bytes), formatted as a UUID.
    /// </summary>
    public static string UidOf(string nodeName, string path, ReadOnlySpan<byte> content)
    {
        var prefix = Encoding.UTF8.GetBytes($"{nodeName}\n{path}\n");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(prefix);
        sha.AppendData(content);
        var hex = Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>Reconciles at once (the agent has recovered its pods by now), then on every change
    /// the watcher reports and every <see cref="RescanInterval"/>, one reconcile at a time.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (options.ManifestsDir is not { } dir)
        {
            return;
        }

        logger.LogInformation("Static pods from {Directory}", dir);
        FileSystemWatcher? watcher = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                // Made again whenever the directory (re)appears: a watcher dies with its directory.
                watcher ??= Watch(dir);
                try
                {
                    await ReconcileAsync(dir, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("Static pods: reconciling {Directory} failed: {Error}", dir, e.Message);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(RescanInterval);
                try
                {
                    await changed.Reader.ReadAsync(wait.Token);
                    await Task.Delay(Settle, ct);
                    changed.Reader.TryRead(out _); // events during the settle time are covered by this round
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // the periodic rescan
                }

                if (watcher is not null && !Directory.Exists(dir))
                {
                    watcher.Dispose();
                    watcher = null;
                }
            }
        }
        finally
        {
            watcher?.Dispose();
        }
    }

    private FileSystemWatcher? Watch(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return null;
        }

        var watcher = new FileSystemWatcher(dir)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        void Wake() => changed.Writer.TryWrite(true);
        watcher.Created += (_, _) => Wake();
        watcher.Changed += (_, _) => Wake();
        watcher.Deleted += (_, _) => Wake();
        watcher.Renamed += (_, _) => Wake();
        watcher.Error += (_, _) => Wake(); // an overflow lost events: rescan now
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    /// <summary>One pass: the directory's manifests against the records whose source is a file.</summary>
    private async Task ReconcileAsync(string dir, CancellationToken ct)
    {
        if (!Directory.Exists(dir))
        {
            // Like the kubelet: a missing directory is not "no pods". Nothing is stopped.
            if (!missingReported)
            {
                logger.LogWarning("Static pods: directory {Directory} does not exist; its pods are left as they are until it does", dir);
                missingReported = true;
            }

            return;
        }

        missingReported = false;
        var desired = new Dictionary<string, PodManifest?>(StringComparer.Ordinal); // source → manifest, null to leave as is
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in ManifestFiles(dir))
        {
            desired[SourceOf(path)] = await ReadAsync(path, seen, ct);
        }

        var current = pods.Records.All.Where(p => p.Source?.StartsWith(SourcePrefix, StringComparison.Ordinal) == true).ToList();

        // Every pod whose file is gone or changed stops first, all together: each waits out its own
        // grace period, and one slow pod must not hold the others. Then the new pods start, and may
        // take a name a stopped pod freed.
        // A file that cannot be read or parsed now (null) leaves its pod as it is.
        bool Stale(PodRecord pod) => !desired.TryGetValue(pod.Source!, out var manifest) || (manifest is not null && manifest.Pod.Metadata.Uid != pod.Uid);
        var stale = current.Where(Stale).ToList();
        foreach (var pod in stale)
        {
            if (desired.TryGetValue(pod.Source!, out var manifest))
            {
                logger.LogInformation("Static pod {Namespace}/{Pod}: {Source} changed, recreating it (uid {Old} → {New})", pod.Namespace, pod.Name, pod.Source, pod.Uid, manifest!.Pod.Metadata.Uid);
            }
            else
            {
                logger.LogInformation("Static pod {Namespace}/{Pod}: {Source} is gone, stopping it", pod.Namespace, pod.Name, pod.Source);
            }
        }

        await Task.WhenAll(stale.Select(p => DownAsync(p, ct)));
        foreach (var (source, manifest) in desired)
        {
            if (manifest is not null && pods.Records.Get(manifest.Pod.Metadata.Uid) is null)
            {
                await AddAsync(manifest, source, ct);
            }
        }

        // Forget contents no file holds any more, so memory follows the directory.
        warned.IntersectWith(seen);
        pods.Refused.Keep(desired.Keys.ToHashSet());
        foreach (var source in refusedContent.Keys.Where(s => !desired.ContainsKey(s)).ToList())
        {
            refusedContent.Remove(source);
        }

        foreach (var uid in retries.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            retries.Remove(uid);
        }
    }

    /// <summary>Hidden files (editors' swap files) and directories are not manifests, as for the kubelet.</summary>
    private static IEnumerable<string> ManifestFiles(string dir) =>
        Directory.EnumerateFiles(dir)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// The file's one Pod with its static uid; null when the file cannot be used this round, which
    /// leaves its pod (if any) running: a half-written or broken edit does not stop a working pod.
    /// </summary>
    private async Task<PodManifest?> ReadAsync(string path, HashSet<string> seen, CancellationToken ct)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("Static pods: cannot read {Path} now: {Error}", path, e.Message);
            return null;
        }

        var uid = UidOf(Environment.MachineName, path, content);
        seen.Add(uid);
        var source = SourceOf(path);
        if (refusedContent.GetValueOrDefault(source) == uid)
        {
            return null; // refused as it is; shown in ps and events until the file changes
        }

        try
        {
            var set = ManifestReader.ReadText(Encoding.UTF8.GetString(content), path);
            if (set.Pods.Count != 1 || set.LimitRanges.Count > 0 || set.Namespaces.Count > 0)
            {
                throw new ValidationException([new FieldError(path, "", $"Invalid value: a static pod file holds exactly one Pod (found {set.Pods.Count} pods and {set.LimitRanges.Count + set.Namespaces.Count} other objects)")]);
            }

            var manifest = set.Pods[0];
            manifest.Pod.Metadata.Uid = uid;
            if (refusedContent.Remove(source))
            {
                pods.Refused.Remove(source); // the file was fixed (a refusal by the node stays until the pod is created)
            }

            return manifest;
        }
        catch (ValidationException e)
        {
            if (warned.Add(uid))
            {
                logger.LogWarning("Static pods: ignoring invalid manifest {Path}: {Errors}", path, string.Join("; ", e.Errors));
            }

            refusedContent[source] = uid;
            Refuse(source, uid, Path.GetFileNameWithoutExtension(path), "default", e);
            return null;
        }
    }

    private async Task AddAsync(PodManifest manifest, string source, CancellationToken ct)
    {
        var uid = manifest.Pod.Metadata.Uid;
        if (retries.TryGetValue(uid, out var retry) && DateTimeOffset.UtcNow < retry.NotBefore)
        {
            return;
        }

        try
        {
            var pod = await pods.AddAsync(manifest, source, ct);
            retries.Remove(uid);
            pods.Refused.Remove(source);
            logger.LogInformation("Static pod {Namespace}/{Pod} (uid {Uid}) added from {Source}", pod.Namespace, pod.Name, pod.Uid, source);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var delay = retry.Delay == TimeSpan.Zero ? RescanInterval : TimeSpan.FromTicks(Math.Min(retry.Delay.Ticks * 2, RetryMax.Ticks));
            retries[uid] = (DateTimeOffset.UtcNow + delay, delay);
            var message = e is ValidationException v ? string.Join("; ", v.Errors) : e.Message;
            if (e is ValidationException refused)
            {
                // What the node decides (a name taken, an image missing) may change: shown, and retried.
                var meta = manifest.Pod.Metadata;
                Refuse(source, uid, meta.Name, meta.NamespaceProperty ?? "default", refused);
            }

            if (warned.Add(uid))
            {
                logger.LogWarning("Static pods: cannot create the pod of {Source} (retrying): {Error}", source, message);
            }
        }
    }

    private void Refuse(string source, string uid, string name, string ns, ValidationException e)
    {
        if (pods.Refused.Of(source) is { } known && known.Uid == uid)
        {
            return; // the same content refused again: keep its first time and event
        }

        pods.Refused.Set(new RefusedPod(uid, name, ns, source, RefusedPod.ValidationReason, string.Join("; ", e.Errors), DateTimeOffset.UtcNow));
    }

    private async Task DownAsync(PodRecord pod, CancellationToken ct)
    {
        try
        {
            // No grace given: the pod's own terminationGracePeriodSeconds applies.
            await pods.DownAsync([pod.Uid], null, ct);
        }
        catch (NotFoundException)
        {
            // removed meanwhile (berth down): nothing left to stop
        }
    }
}
