using Berth.Images;
using Berth.Linux;
using Grpc.Core;

namespace Berth.Cri.Images;

public sealed partial class CriImageService
{
    /// <summary>
    /// Bytes and inodes under the image store's root. Writable layers are not reported apart
    /// (no container_filesystems): they sit next to the store under Berth's root, and a separate
    /// entry would make the kubelet manage them as a split image file system.
    /// </summary>
    public override Task<V1.ImageFsInfoResponse> ImageFsInfo(V1.ImageFsInfoRequest request, ServerCallContext context)
    {
        var root = images is LocalImageStore local ? local.Root : runtime.Options.ImagesDir;
        var usage = TreeUsage.Of(root);
        var response = new V1.ImageFsInfoResponse();
        response.ImageFilesystems.Add(new V1.FilesystemUsage
        {
            Timestamp = CriTime.Now(),
            FsId = new V1.FilesystemIdentifier { Mountpoint = root },
            UsedBytes = new V1.UInt64Value { Value = usage.Bytes },
            InodesUsed = new V1.UInt64Value { Value = usage.Inodes },
        });
        return Task.FromResult(response);
    }
}
