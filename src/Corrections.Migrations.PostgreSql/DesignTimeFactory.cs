using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Corrections.Migrations.PostgreSql;

/// <summary>Lets <c>dotnet ef</c> build the model for PostgreSQL without a server: making migrations and scripts never connects.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CorrectionsDb>
{
    public CorrectionsDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CorrectionsDb>()
            .UseNpgsql("Host=design-time;Database=corrections", npgsql => npgsql.MigrationsAssembly(typeof(DesignTimeFactory).Assembly.GetName().Name))
            .Options);
}
