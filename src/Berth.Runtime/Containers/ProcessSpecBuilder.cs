using System.Globalization;
using Berth.Core.Security;
using Berth.Images;
using Berth.Oci.Spec;
using Berth.Runtime.Model;
using Berth.Runtime.Specs;

namespace Berth.Runtime.Containers;

/// <summary>What a container's process needs from the node, looked up before the spec is built.</summary>
/// <param name="ImageUser">The user (and its groups) resolved in the image's /etc/passwd and /etc/group.</param>
/// <param name="BoundingCapabilities">The agent's bounding set.</param>
/// <param name="HardNofile">The agent's hard RLIMIT_NOFILE.</param>
/// <param name="OomScoreAdj">The container's oom_score_adj, clamped to what the agent may set.</param>
/// <param name="NodeHostname">The hostname of a host-network pod.</param>
public sealed record ProcessFacts(ResolvedUser ImageUser, IReadOnlyList<string> BoundingCapabilities, ulong HardNofile, int OomScoreAdj, string NodeHostname);

/// <summary>
/// The container's process, built without I/O: argv from its command and args over the image's
/// Entrypoint and Cmd (Kubernetes rules), the image's Env under the container's, the working
/// directory and user of the container or else of the image, its capabilities, rlimits and
/// oom_score_adj.
/// </summary>
public static class ProcessSpecBuilder
{
    /// <summary>
    /// The user to resolve in the image: runAsUser, else the Windows-style runAsUserName, else the
    /// image's USER. A uid is looked up too: its primary group and the groups the image's /etc/group
    /// gives it apply, as containerd does (SupplementalGroupsPolicy Merge).
    /// </summary>
    /// <exception cref="ContainerConfigException">runAsNonRoot cannot be met (the kubelet's message).</exception>
    public static string UserToResolve(ContainerConfig config, SandboxConfig sandbox, ImageConfig image)
    {
        var security = config.Security;
        var userName = security.RunAsUser is { } runAsUser ? runAsUser.ToString(CultureInfo.InvariantCulture)
            : security.RunAsUsername is { Length: > 0 } requested ? requested
            : image.User;
        if (RunAsNonRoot.Violation(security.RunAsNonRoot, security.RunAsUser, image.User, RunAsNonRoot.PodDescription(sandbox.Name, sandbox.Namespace, sandbox.Uid), config.Name) is { } violation)
        {
            throw new ContainerConfigException(violation);
        }

        return userName;
    }

    /// <summary>The argv: the container's command and args over the image's Entrypoint and Cmd.</summary>
    /// <exception cref="ArgumentException">Neither the container nor its image says what to run.</exception>
    public static IReadOnlyList<string> Args(ContainerConfig config, ImageConfig image)
    {
        var args = ImageCommand.Resolve(image, config.Command, config.Args);
        return args.Count > 0 ? args : throw new ArgumentException($"container {config.Name}: no command given and the image {config.Image} has none");
    }

    /// <exception cref="ArgumentException">Neither the container nor its image says what to run.</exception>
    public static (ProcessSpec Process, ContainerUserIds User) Build(ContainerConfig config, SandboxConfig sandbox, ImageConfig image, ProcessFacts facts)
    {
        var args = Args(config, image);

        var security = config.Security;
        var caps = security.Privileged
            ? facts.BoundingCapabilities
            : SpecDefaults.Adjust([.. security.AddCapabilities, .. security.AddAmbientCapabilities], security.DropCapabilities, facts.BoundingCapabilities);
        IReadOnlyList<string> ambient = [.. security.AddAmbientCapabilities.Select(SpecDefaults.Normalize).Where(caps.Contains).Distinct()];

        // The primary group leads the supplementary ones, as CRI-O and containerd put it there
        // (and critest's SupplementalGroupsPolicy specs expect it in the status).
        var gid = (uint?)security.RunAsGroup ?? facts.ImageUser.Gid;
        IReadOnlyList<uint> groups = [gid, .. security.SupplementalGroups.Select(g => (uint)g), .. security.StrictSupplementalGroups ? [] : facts.ImageUser.AdditionalGids];
        var user = new ContainerUserIds(facts.ImageUser.Uid, gid, [.. groups.Distinct()]);
        var process = new ProcessSpec
        {
            Args = args,
            Env = Environment(config, sandbox, image, facts.NodeHostname),
            Cwd = !string.IsNullOrEmpty(config.WorkingDir) ? config.WorkingDir : image.WorkingDir.Length > 0 ? image.WorkingDir : "/",
            User = new UserSpec
            {
                Uid = user.Uid,
                Gid = user.Gid,
                AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null,
            },

            // Ambient capabilities must also be inheritable for the kernel to keep them.
            Capabilities = CapabilitiesSpec.Of(caps) with { Inheritable = ambient, Ambient = ambient },
            Rlimits = SpecDefaults.Rlimits(facts.HardNofile),
            NoNewPrivileges = security.NoNewPrivileges && !security.Privileged,
            Terminal = config.Tty,
            OomScoreAdj = facts.OomScoreAdj,
        };
        return (process, user);
    }

    /// <summary>PATH first (the runtime default), then the image's Env, HOSTNAME, then the
    /// container's Env: a later entry replaces an earlier one of the same name.</summary>
    private static IReadOnlyList<string> Environment(ContainerConfig config, SandboxConfig sandbox, ImageConfig image, string nodeHostname)
    {
        var env = new List<KeyValuePair<string, string>>();
        void Set(string key, string value)
        {
            env.RemoveAll(kv => kv.Key == key);
            env.Add(KeyValuePair.Create(key, value));
        }

        Set("PATH", SpecDefaults.DefaultPath["PATH=".Length..]);
        foreach (var entry in image.Env)
        {
            var eq = entry.IndexOf('=');
            Set(eq < 0 ? entry : entry[..eq], eq < 0 ? "" : entry[(eq + 1)..]);
        }

        Set("HOSTNAME", SandboxSpec.HostnameOf(sandbox) ?? nodeHostname);
        foreach (var (key, value) in config.Env)
        {
            Set(key, value);
        }

        return [.. env.Select(kv => $"{kv.Key}={kv.Value}")];
    }
}
