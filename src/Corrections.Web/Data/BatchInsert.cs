using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Corrections.Data;

/// <summary>
/// Inserts new rows with multi-row INSERT statements in the context's transaction, converting each value the way the
/// model maps it. SaveChanges sends one statement per row, which is most of a submission batch's time on a busy core.
/// </summary>
public static class BatchInsert
{
    // Below the smallest limit of the providers (SQL Server: 2,100 parameters a statement).
    private const int MaxParameters = 2000;

    public static async Task InsertAsync<T>(this CorrectionsDb db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        // Keys the database numbers itself are left out.
        var columns = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid)))
            .Select(p => (Property: p, Mapping: p.GetRelationalTypeMapping(), Name: p.GetColumnName(table)!))
            .ToList();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ";

        // Parameters made by the model's mappings, executed through EF Core so that logging and interceptors see it.
        await using var factory = db.Database.GetDbConnection().CreateCommand();
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            var end = Math.Min(rows.Count, start + perStatement);
            var text = new StringBuilder(head);
            var parameters = new List<object>((end - start) * columns.Count);
            for (var row = start; row < end; row++)
            {
                text.Append(row == start ? "(" : ", (");
                for (var c = 0; c < columns.Count; c++)
                {
                    var (property, mapping, _) = columns[c];
                    var name = $"@p{parameters.Count}";
                    // The mapping converts the value as SaveChanges would (ticks for instants, text for enums).
                    parameters.Add(mapping.CreateParameter(factory, name, property.GetGetter().GetClrValue(rows[row]), property.IsNullable));
                    text.Append(c == 0 ? "" : ", ").Append(name);
                }
                text.Append(')');
            }
            await db.Database.ExecuteSqlRawAsync(text.ToString(), parameters, cancellationToken);
        }
    }
}
