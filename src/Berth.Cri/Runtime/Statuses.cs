using Berth.Cri.Images;
using Berth.Runtime.Model;
using Google.Protobuf.Collections;
using CoreMode = Berth.Core.Planning.NamespaceMode;

namespace Berth.Cri.Runtime;

/// <summary>Berth's sandbox and container records in CRI's messages.</summary>
internal static class Statuses
{
    public static V1.PodSandboxMetadata Metadata(SandboxConfig config) => new()
    {
        Name = config.Name,
        Uid = config.Uid,
        Namespace = config.Namespace,
        Attempt = (uint)config.Attempt,
    };

    public static V1.ContainerMetadata Metadata(ContainerConfig config) => new() { Name = config.Name, Attempt = (uint)config.Attempt };

    public static V1.PodSandboxState State(SandboxState state) =>
        state == SandboxState.Ready ? V1.PodSandboxState.SandboxReady : V1.PodSandboxState.SandboxNotready;

    public static V1.ContainerState State(ContainerState state) => state switch
    {
        ContainerState.Created => V1.ContainerState.ContainerCreated,
        ContainerState.Running => V1.ContainerState.ContainerRunning,
        ContainerState.Exited => V1.ContainerState.ContainerExited,
        _ => V1.ContainerState.ContainerUnknown,
    };

    public static V1.PodSandbox Sandbox(SandboxRecord sandbox)
    {
        var item = new V1.PodSandbox
        {
            Id = sandbox.Id,
            Metadata = Metadata(sandbox.Config),
            State = State(sandbox.State),
            CreatedAt = CriTime.Nanoseconds(sandbox.CreatedAt),
            RuntimeHandler = sandbox.Config.RuntimeHandler,
        };
        Labels.Copy(sandbox.Config.Labels, item.Labels);
        Labels.Copy(sandbox.Config.Annotations, item.Annotations);
        return item;
    }

    public static V1.PodSandboxStatus SandboxStatus(SandboxRecord sandbox)
    {
        var status = new V1.PodSandboxStatus
        {
            Id = sandbox.Id,
            Metadata = Metadata(sandbox.Config),
            State = State(sandbox.State),
            CreatedAt = CriTime.Nanoseconds(sandbox.CreatedAt),

            // Empty for host network and for a pod with loopback only (no CNI configuration).
            Network = new V1.PodSandboxNetworkStatus
            {
                Ip = sandbox.Ips.FirstOrDefault() ?? "",
                AdditionalIps = { sandbox.Ips.Skip(1).Select(ip => new V1.PodIP { Ip = ip }) },
            },
            Linux = new V1.LinuxPodSandboxStatus
            {
                Namespaces = new V1.Namespace
                {
                    Options = new V1.NamespaceOption
                    {
                        Network = Mode(sandbox.Config.Network),
                        Pid = Mode(sandbox.Config.Pid),
                        Ipc = Mode(sandbox.Config.Ipc),
                        CgroupnsOptions = sandbox.Config.Cgroup is { } cgroup ? new V1.CgroupNamespace { Mode = Mode(cgroup) } : null,
                    },
                },
            },
            RuntimeHandler = sandbox.Config.RuntimeHandler,
        };
        Labels.Copy(sandbox.Config.Labels, status.Labels);
        Labels.Copy(sandbox.Config.Annotations, status.Annotations);
        return status;
    }

    /// <param name="image">The image as the kubelet should show it.</param>
    public static V1.Container Container(ContainerRecord container, string image)
    {
        var item = new V1.Container
        {
            Id = container.Id,
            PodSandboxId = container.SandboxId,
            Metadata = Metadata(container.Config),
            Image = new V1.ImageSpec { Image = image },
            ImageRef = ImageNames.Ref(container.ImageId, container.ImageRepoDigest),
            ImageId = ImageNames.Id(container.ImageId),
            State = State(container.State),
            CreatedAt = CriTime.Nanoseconds(container.CreatedAt),
        };
        Labels.Copy(container.Config.Labels, item.Labels);
        Labels.Copy(container.Config.Annotations, item.Annotations);
        return item;
    }

    public static V1.ContainerStatus ContainerStatus(ContainerRecord container, string image)
    {
        var status = new V1.ContainerStatus
        {
            Id = container.Id,
            Metadata = Metadata(container.Config),
            State = State(container.State),
            CreatedAt = CriTime.Nanoseconds(container.CreatedAt),
            StartedAt = CriTime.Nanoseconds(container.StartedAt),
            FinishedAt = CriTime.Nanoseconds(container.FinishedAt),
            ExitCode = container.ExitCode ?? 0,
            Image = new V1.ImageSpec { Image = image },
            ImageRef = ImageNames.Ref(container.ImageId, container.ImageRepoDigest),
            ImageId = ImageNames.Id(container.ImageId),
            Reason = container.State == ContainerState.Exited ? container.Reason ?? "" : "",
            Message = container.State == ContainerState.Exited ? container.Message ?? "" : "",
            LogPath = container.LogFile,
            Resources = new V1.ContainerResources { Linux = Resources.ToCri(container.Config.Limits) },
            StopSignal = StopSignals.Of(container.Config.StopSignal),
        };
        if (container.User is { } user)
        {
            status.User = new V1.ContainerUser
            {
                Linux = new V1.LinuxContainerUser { Uid = user.Uid, Gid = user.Gid, SupplementalGroups = { user.AdditionalGids.Select(g => (long)g) } },
            };
        }

        Labels.Copy(container.Config.Labels, status.Labels);
        Labels.Copy(container.Config.Annotations, status.Annotations);
        AddMounts(container.Config.Mounts, status.Mounts);
        return status;
    }

    public static V1.NamespaceMode Mode(CoreMode mode) => mode switch
    {
        CoreMode.Pod => V1.NamespaceMode.Pod,
        CoreMode.Node => V1.NamespaceMode.Node,
        CoreMode.Target => V1.NamespaceMode.Target,
        _ => V1.NamespaceMode.Container,
    };

    private static void AddMounts(IReadOnlyList<ContainerMount> mounts, RepeatedField<V1.Mount> into)
    {
        foreach (var mount in mounts)
        {
            into.Add(new V1.Mount
            {
                ContainerPath = mount.ContainerPath,
                HostPath = mount.HostPath,
                Readonly = mount.ReadOnly,
                Propagation = mount.Propagation switch
                {
                    MountPropagation.HostToContainer => V1.MountPropagation.PropagationHostToContainer,
                    MountPropagation.Bidirectional => V1.MountPropagation.PropagationBidirectional,
                    _ => V1.MountPropagation.PropagationPrivate,
                },
            });
        }
    }
}
