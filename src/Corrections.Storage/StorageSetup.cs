using Microsoft.Extensions.DependencyInjection;

namespace Corrections.Storage;

public static class StorageSetup
{
    /// <summary>
    /// The group-commit store for submissions, on SQLite the background checkpoints of its log (the checkpointer does
    /// nothing on a database server), and the erasure of personal data.
    /// </summary>
    public static IServiceCollection AddSubmissionStore(this IServiceCollection services)
    {
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<GroupCommitStore>();
        services.AddSingleton<ISubmissionStore>(provider => provider.GetRequiredService<GroupCommitStore>());
        services.AddHostedService(provider => provider.GetRequiredService<GroupCommitStore>());
        services.AddSingleton<SqliteCheckpointer>();
        services.AddHostedService(provider => provider.GetRequiredService<SqliteCheckpointer>());
        services.AddSingleton<SecureErasure>();
        return services;
    }
}
