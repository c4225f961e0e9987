// Internal to the classification library: reading the category options of
// proto/pasarela/v1/options.proto from runtime descriptors.
#ifndef PASARELA_GATEWAY_CLASSIFY_CATEGORY_OPTIONS_H_
#define PASARELA_GATEWAY_CLASSIFY_CATEGORY_OPTIONS_H_

#include <google/protobuf/descriptor.h>

namespace pasarela::classify {

// The number of the DataCategory in the field's `(pasarela.v1.category)` option, or 0 when the
// field declares none.
int FieldCategoryOption(const google::protobuf::FieldDescriptor* field);

// The number of the DataCategory in the message's `(pasarela.v1.message_category)` option, or 0.
int MessageCategoryOption(const google::protobuf::Descriptor* type);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_CATEGORY_OPTIONS_H_
