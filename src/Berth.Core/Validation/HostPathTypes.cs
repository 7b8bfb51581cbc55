namespace Berth.Core.Validation;

/// <summary>hostPath.type values (k8s.io/api core/v1 HostPathType) and what each demands of
/// the node's path; the node checks them when the pod's volumes are set up.</summary>
public static class HostPathTypes
{
    public const string Unset = "";
    public const string DirectoryOrCreate = "DirectoryOrCreate";
    public const string Directory = "Directory";
    public const string FileOrCreate = "FileOrCreate";
    public const string File = "File";
    public const string Socket = "Socket";
    public const string CharDevice = "CharDevice";
    public const string BlockDevice = "BlockDevice";

    /// <summary>In the API server's order (a sorted set) for its "supported values" message.</summary>
    public static readonly string[] Supported = [Unset, BlockDevice, CharDevice, Directory, DirectoryOrCreate, File, FileOrCreate, Socket];
}
